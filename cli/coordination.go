package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/agentd/agentd/admission"
	"github.com/agentd/agentd/coord"
	pgcoord "github.com/agentd/agentd/coord/postgres"
	rediscoord "github.com/agentd/agentd/coord/redis"
)

// coordination is what instances share besides the store.
type coordination struct {
	events  coord.EventLog    // nil on a single instance with SQLite
	signals coord.Signals     // stop runs on other instances; nil with SQLite
	limiter admission.Limiter // nil when rate limiting is off
	sweep   func(ctx context.Context, now time.Time) (int64, error)
	closers []io.Closer
}

func (c *coordination) Close() {
	for _, cl := range c.closers {
		_ = cl.Close()
	}
}

// openCoordination picks the shared event log and rate limiter:
//   - --redis: event logs as Redis Streams, run signals (cancel,
//     interrupt) on Pub/Sub, a GCRA limiter shared by all instances (per
//     instance while Redis is unreachable);
//   - PostgreSQL store without Redis: event logs and run signals in
//     PostgreSQL with LISTEN/NOTIFY, rate limits per instance;
//   - SQLite: this instance's memory, rate limits per instance.
func openCoordination(ctx context.Context, c *serveConfig, embedded bool, log *slog.Logger) (*coordination, error) {
	co := &coordination{}
	var local admission.Limiter
	if c.Rate > 0 {
		local = admission.NewLocal(c.Rate, c.RateBurst)
		co.limiter = local
	}
	switch {
	case c.Redis != "":
		rc, err := rediscoord.Open(ctx, c.Redis, rediscoord.Options{Prefix: c.RedisPrefix, TTL: c.EventTTL})
		if err != nil {
			return nil, fmt.Errorf("--redis %s: %w", redact(c.Redis), err)
		}
		co.events, co.signals = rc, rc
		co.closers = append(co.closers, rc)
		if local != nil {
			co.limiter = &admission.Fallback{Shared: rediscoord.NewLimiter(rc, c.Rate, c.RateBurst), Local: local, Logger: log}
		}
	case !embedded:
		el, err := pgcoord.Open(ctx, c.Store, pgcoord.Options{TTL: c.EventTTL})
		if err != nil {
			return nil, fmt.Errorf("event log in %s: %w", redact(c.Store), err)
		}
		co.events, co.signals, co.sweep = el, el, el.Sweep
		co.closers = append(co.closers, el)
	}
	return co, nil
}
