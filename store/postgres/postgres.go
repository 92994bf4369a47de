// Package postgres implements store.Store on PostgreSQL with pgx v5 and a
// connection pool. It is the store for several agentd instances sharing one
// database: every write to a thread runs in a transaction that first locks
// the thread's row and checks the writer's lease (fencing token) and the
// thread's version, so two instances can never interleave a thread's
// history. The schema lives in the first schema of the connection's
// search_path and is migrated with goose at Open.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentd/agentd/store"
)

var _ store.Store = (*Store)(nil)

// Options tune Open. The zero value is ready to use.
type Options struct {
	// MaxConns bounds the pool (default: pgx's, the larger of 4 and the
	// number of CPUs, unless the URL sets pool_max_conns).
	MaxConns int32
	// ShedQueue is how many StartRuns may wait beyond the MaxConns-1 that
	// may hold or wait for a connection at once; a StartRun beyond it is
	// refused at once with store.ErrBusy (default 64 × MaxConns). Writes
	// of runs in progress are never refused: they would leave threads
	// leased.
	ShedQueue int
	// ShedWait bounds a StartRun's wait for a connection, then it is
	// refused with store.ErrBusy (default 2s; a StartRun's WaitUntil may
	// bound it sooner).
	ShedWait time.Duration
	// ReadWait bounds the wait of GetThread, ThreadHistory, ListThreads and GetRun for a
	// connection, then they fail with store.ErrBusy (default 2s).
	ReadWait time.Duration
	// Now is the clock for the times the store sets itself (a thread's
	// updated_at on Commit and on a reconciling StartRun). Default
	// time.Now.
	Now func() time.Time
}

// Store is a PostgreSQL-backed store.Store. It is safe for concurrent use,
// and several Stores (in several processes) may share one database.
type Store struct {
	pool     *pgxpool.Pool
	starts   *startGate
	readWait time.Duration
	now      func() time.Time
}

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string; pool_* parameters tune the pool, search_path picks the
// schema) and migrates it to the latest schema. Several instances may
// open one database at once: migrations wait for each other.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if url == "" {
		return nil, errors.New("postgres: open: empty url")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ReadWait <= 0 {
		opts.ReadWait = defaultReadWait
	}
	cfg, err := pgxpool.ParseConfig(url) // its errors hide the password
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	// pgx's default query mode prepares each statement once per connection
	// and keeps it (a cache of 512), so a turn sends no Parse: keep it, and
	// keep the SQL of the hot statements constant (values go in parameters)
	// so that they hit the cache. A URL may still choose another mode
	// (default_query_exec_mode), e.g. behind a transaction-mode pooler.
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	where := fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)

	// Migrate first, on connections of its own, so that a pool of one
	// connection cannot deadlock against the migration lock.
	if err := migrate(ctx, cfg.ConnConfig); err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w", where, err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w", where, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open %s: %w", where, err)
	}
	return &Store{pool: pool, starts: newStartGate(cfg.MaxConns, opts.ShedQueue, opts.ShedWait),
		readWait: opts.ReadWait, now: opts.Now}, nil
}

// Ping reports whether the database answers on a pooled connection.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close closes the pool, waiting for borrowed connections to come back.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}
