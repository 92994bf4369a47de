// Package redis implements coord.EventLog on Redis Streams, coord.Signals
// on Pub/Sub (channel <prefix>run-signals, JSON payloads), and a rate
// limiter shared by every instance, with go-redis v9.
//
// Each run's log is a stream whose entry ids are the frames' sequence
// numbers (<seq>-0), so reading after seq N is XRANGE from (N+1)-0 and
// waiting for more is XREAD BLOCK from N-0. A string key beside it holds
// the log's state, "open" or "sealed"; both keys share a hash tag, so the
// Lua scripts that write them run on one node of a cluster too. Appends
// and seals are Lua scripts, atomic with the sealed check: once a log is
// sealed nothing is added to it. Every write moves both keys' expiry to
// TTL from then.
package redis

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/agentd/agentd/coord"
)

var _ coord.EventLog = (*Client)(nil)

// Options tune Open. The zero value is ready to use.
type Options struct {
	// Prefix starts every key written (default "agentd:"), so several
	// deployments, or tests, can share one Redis database.
	Prefix string
	// TTL is how long a run's log is kept after its last write
	// (default 1h).
	TTL time.Duration
	// PoolSize bounds the connections to Redis (default: the URL's
	// pool_size, else go-redis's 10 per CPU). A reader waiting for a run's
	// next events holds one connection for up to a second at a time.
	PoolSize int
}

// Client is a connection pool to Redis holding the run event logs. It is
// safe for concurrent use; NewLimiter builds rate limiters on it.
type Client struct {
	rdb    *goredis.Client
	prefix string
	ttl    time.Duration
}

// Open connects to the Redis server at url (redis:// or rediss://, with
// go-redis's query parameters such as pool_size or dial_timeout) and
// checks that it answers.
func Open(ctx context.Context, url string, opts Options) (*Client, error) {
	if url == "" {
		return nil, errors.New("redis: open: empty url")
	}
	ro, err := goredis.ParseURL(url)
	if err != nil {
		// A url.Error repeats the URL, password included: keep its cause.
		if ue := (*neturl.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("redis: open: %w", err)
	}
	if opts.PoolSize > 0 {
		ro.PoolSize = opts.PoolSize
	}
	if opts.Prefix == "" {
		opts.Prefix = "agentd:"
	}
	if opts.TTL <= 0 {
		opts.TTL = time.Hour
	}
	c := &Client{rdb: goredis.NewClient(ro), prefix: opts.Prefix, ttl: opts.TTL}
	if err := c.Ping(ctx); err != nil {
		c.rdb.Close()
		return nil, fmt.Errorf("redis: open %s/%d: %w", ro.Addr, ro.DB, err)
	}
	return c, nil
}

// Ping implements coord.EventLog.
func (c *Client) Ping(ctx context.Context) error {
	if err := c.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: ping: %w", err)
	}
	return nil
}

// Close closes the pool; calls in flight fail.
func (c *Client) Close() error {
	return c.rdb.Close()
}

// keys returns the stream and the state key of a run's log. The braces
// make them one hash slot.
func (c *Client) keys(runID string) []string {
	base := c.prefix + "run:{" + runID + "}:"
	return []string{base + "events", base + "state"}
}
