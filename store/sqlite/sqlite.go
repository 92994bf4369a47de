// Package sqlite implements store.Store on an SQLite file, with the pure-Go
// driver modernc.org/sqlite. It is the store for one machine: one process
// owns the file, writes go through a single connection, reads run in
// parallel on a pool of WAL readers.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/agentd/agentd/store"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

var _ store.Store = (*Store)(nil)

// Options tune Open. The zero value is ready to use.
type Options struct {
	// BusyTimeout bounds how long a statement waits for a lock held by
	// another process (default 5s). Inside this process writes queue on
	// the single write connection instead.
	BusyTimeout time.Duration
	// ReadConns is the size of the read pool (default 4).
	ReadConns int
	// ShedQueue is how many writes may wait for the writer before
	// StartRun is refused with store.ErrBusy (default 1000). Writes of
	// runs in progress are never refused: they would leave threads leased.
	ShedQueue int
	// Now is the clock for the times the store sets itself (a thread's
	// updated_at on Commit and on a reconciling StartRun). Default
	// time.Now.
	Now func() time.Time
}

// Store is an SQLite-backed store.Store. It is safe for concurrent use.
type Store struct {
	// write has exactly one connection, so this process never has two
	// write transactions racing for SQLite's single writer lock (which
	// would surface as SQLITE_BUSY). w is its only user for writes: it
	// queues callers and commits their work in groups.
	write *sql.DB
	w     *writer
	// ckpt is a connection of its own for WAL checkpoints; see
	// checkpointer.
	ckpt *checkpointer
	// read serves GetThread, GetRun, ListThreads and Ping. In WAL mode
	// readers see a consistent snapshot and never block the writer.
	read *sql.DB
	stmt stmts
	now  func() time.Time
}

// Open opens (creating if needed) the SQLite database at path and migrates
// it to the latest schema. Only one process should migrate a file at a time.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: open: empty path")
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = 4
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ShedQueue <= 0 {
		opts.ShedQueue = 1000
	}

	write, err := sql.Open("sqlite", dsn(path, opts.BusyTimeout, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	// The write connection is opened (and switches the file to WAL) and
	// the schema migrated before any reader connects.
	if err := migrate(ctx, write); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	read, err := sql.Open("sqlite", dsn(path, opts.BusyTimeout, true))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	read.SetMaxOpenConns(opts.ReadConns)
	read.SetMaxIdleConns(opts.ReadConns)
	read.SetConnMaxIdleTime(0)
	if err := read.PingContext(ctx); err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	ckpt, err := sql.Open("sqlite", dsn(path, opts.BusyTimeout, false))
	if err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	ckpt.SetMaxOpenConns(1)
	s := &Store{write: write, read: read, now: opts.Now, ckpt: newCheckpointer(ckpt)}
	if err := s.prepare(ctx); err != nil {
		s.closeAll()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if s.w, err = newWriter(ctx, write, opts.ShedQueue); err != nil {
		s.closeAll()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return s, nil
}

// dsn builds the connection string of the write or the read pool.
//
// synchronous=NORMAL: in WAL mode a commit is appended to the WAL and the
// WAL is fsynced only at checkpoints. A crash of the process loses nothing
// that was committed (the WAL is in the OS page cache and replays on the
// next open) and the file never corrupts; only a power loss or OS crash may
// drop the last few transactions. agentd can afford that (a run is then
// seen as interrupted at its previous checkpoint) and it saves an fsync per
// commit, which is most of a commit's cost.
//
// The write pool begins its transactions with BEGIN IMMEDIATE so that a
// transaction takes the writer lock up front: it can then never fail
// half-way with SQLITE_BUSY when it first writes, even if another process
// (say `agentd migrate`) holds the file; it waits up to busy_timeout.
// Readers are query_only so a bug can never write through them.
func dsn(path string, busy time.Duration, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "wal_autocheckpoint(0)") // see checkpointer
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// WritesQueued is how many writes wait for the writer.
func (s *Store) WritesQueued() int { return s.w.queued() }

// Ping reports whether both pools answer a trivial query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	if err := s.write.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close writes what is queued, then closes the statements and the pools.
// Later calls fail.
func (s *Store) Close() error {
	return errors.Join(s.w.close(), s.closeAll())
}

func (s *Store) closeAll() error {
	return errors.Join(s.closeStmts(), s.ckpt.close(), s.ckpt.db.Close(), s.read.Close(), s.write.Close())
}
