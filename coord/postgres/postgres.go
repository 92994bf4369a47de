// Package postgres implements coord.EventLog and coord.Signals on
// PostgreSQL with pgx v5, for deployments with no Redis: every instance
// shares run event logs through the database, so a client can rejoin a run
// on any of them, and hears the signals that stop runs.
//
// A log is a run_logs row (sealed, last seq, expiry) and its run_events
// rows. Append and Seal lock the run_logs row in a transaction, so the
// sealed check and the write are one; they end with pg_notify on channel
// agentd_run_events, payload the run id. Each EventLog keeps one
// connection LISTENing on that channel and wakes the Reads waiting for
// that run; Reads also poll (every 250 ms by default), since notifications
// sent while the listener reconnects are lost. Run signals are pg_notify
// on agentd_run_signals, tagged with the schema and received on the same
// connection; nothing polls for them, so one sent during a reconnect is
// lost. Expired logs stay until Sweep deletes them. The tables live in the
// first schema of the connection's search_path, migrated with goose at
// Open.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentd/agentd/coord"
)

var _ coord.EventLog = (*EventLog)(nil)

// channel is the NOTIFY channel of appends and seals.
const channel = "agentd_run_events"

// Options tune Open. The zero value is ready to use.
type Options struct {
	// TTL is how long a log is kept after its last write, until Sweep
	// deletes it (default 1h).
	TTL time.Duration
	// MaxConns bounds the pool (default: pgx's, unless the URL sets
	// pool_max_conns). Waiting Reads hold no connection; the listener
	// holds one more, outside the pool.
	MaxConns int32
	// PollInterval is how often a waiting Read looks again when no
	// notification came (default 250ms).
	PollInterval time.Duration
	// Now is the clock for expiry times (default time.Now).
	Now func() time.Time
	// Logger receives the listener's connection failures (default: none).
	Logger *slog.Logger
}

// EventLog is a PostgreSQL-backed coord.EventLog. It is safe for concurrent
// use, and several EventLogs (in several processes) may share one database.
type EventLog struct {
	pool   *pgxpool.Pool
	ttl    time.Duration
	poll   time.Duration
	now    func() time.Time
	listen *listener

	stop      context.CancelFunc
	closed    <-chan struct{} // closed by Close
	stopped   sync.WaitGroup
	closeOnce sync.Once
}

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string; pool_* parameters tune the pool, search_path picks the
// schema), migrates the event log's tables and starts listening for
// appends. Several instances may open one database at once.
func Open(ctx context.Context, url string, opts Options) (*EventLog, error) {
	if url == "" {
		return nil, errors.New("postgres: open event log: empty url")
	}
	if opts.TTL <= 0 {
		opts.TTL = time.Hour
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 250 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(url) // its errors hide the password
	if err != nil {
		return nil, fmt.Errorf("postgres: open event log: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	where := fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)

	if err := migrate(ctx, cfg.ConnConfig); err != nil {
		return nil, fmt.Errorf("postgres: open event log %s: %w", where, err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open event log %s: %w", where, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open event log %s: %w", where, err)
	}
	var schema string
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open event log %s: current schema: %w", where, err)
	}
	l := newListener(cfg.ConnConfig.Copy(), opts.Logger, schema)
	conn, err := l.connect(ctx)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open event log %s: %w", where, err)
	}
	lctx, stop := context.WithCancel(context.Background())
	e := &EventLog{pool: pool, ttl: opts.TTL, poll: opts.PollInterval, now: opts.Now, listen: l, stop: stop, closed: lctx.Done()}
	e.stopped.Go(func() { l.run(lctx, conn) })
	return e, nil
}

// Ping implements coord.EventLog.
func (e *EventLog) Ping(ctx context.Context) error {
	if err := e.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close stops the listener and closes the pool. Reads waiting then end
// with an error.
func (e *EventLog) Close() error {
	e.closeOnce.Do(func() {
		e.stop()
		e.stopped.Wait()
		e.pool.Close()
	})
	return nil
}
