package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/agentd/agentd/store"
)

// writer owns the single write connection and commits writes in groups.
//
// SQLite has one writer at a time, and a commit (the WAL append, its
// locks) costs more than most of the statements it commits. So callers
// do not each run their own transaction: they queue their work, and one
// goroutine runs everything queued in one transaction, each caller's part
// inside its own savepoint. A part that fails is rolled back to its
// savepoint and fails alone; the others commit together. Under load this
// turns many small transactions into a few large ones; at rest a group is
// one write and costs what it did before.
//
// A caller either never has its work applied or learns how its commit
// went: work still queued when the caller gives up is skipped, work
// already taken is waited for (a group is short).
type writer struct {
	db *sql.DB
	// shedAt is the queue length at which shed work is refused with
	// store.ErrBusy instead of queued.
	shedAt int

	mu     sync.Mutex
	queue  []*work
	closed bool
	wake   chan struct{} // capacity 1: "the queue is not empty"
	done   chan struct{} // closed when the loop has exited

	savepoint, release, rollbackTo *sql.Stmt
}

// maxGroup bounds one transaction, so that a caller at the back of a long
// queue does not wait for all of it to be written at once.
const maxGroup = 256

type work struct {
	op    string
	fn    func(context.Context, *sql.Tx) error
	state atomic.Int32 // queued, taken or abandoned
	err   chan error   // capacity 1
}

const (
	queued int32 = iota
	taken
	abandoned
)

var errClosed = errors.New("store is closed")

func newWriter(ctx context.Context, db *sql.DB, shedAt int) (*writer, error) {
	w := &writer{db: db, shedAt: shedAt, wake: make(chan struct{}, 1), done: make(chan struct{})}
	for _, s := range []struct {
		dst **sql.Stmt
		sql string
	}{{&w.savepoint, "SAVEPOINT part"}, {&w.release, "RELEASE part"}, {&w.rollbackTo, "ROLLBACK TO part"}} {
		stmt, err := db.PrepareContext(ctx, s.sql)
		if err != nil {
			return nil, fmt.Errorf("prepare %q: %w", s.sql, err)
		}
		*s.dst = stmt
	}
	go w.loop()
	return w, nil
}

// do runs fn in a write transaction shared with other callers' work and
// returns once that transaction committed or failed. fn gets a context
// that is never cancelled: cancelling a statement can make SQLite roll
// back the whole transaction, everyone's work. ctx bounds only the wait
// in the queue. With shed, do refuses at once with store.ErrBusy while the
// queue is long: starting new work can wait, finishing work in progress
// cannot.
func (w *writer) do(ctx context.Context, op string, shed bool, fn func(context.Context, *sql.Tx) error) error {
	wk := &work{op: op, fn: fn, err: make(chan error, 1)}
	w.mu.Lock()
	switch {
	case w.closed:
		w.mu.Unlock()
		return fmt.Errorf("sqlite: %s: %w", op, errClosed)
	case shed:
		if err := w.busyLocked(op); err != nil {
			w.mu.Unlock()
			return err
		}
	}
	w.queue = append(w.queue, wk)
	w.signal()
	w.mu.Unlock()

	select {
	case err := <-wk.err:
		return err
	case <-ctx.Done():
		if wk.state.CompareAndSwap(queued, abandoned) {
			return fmt.Errorf("sqlite: %s: %w", op, ctx.Err())
		}
		return <-wk.err // taken: its group is being written
	}
}

// busy is the refusal do would give shed work now, or nil: for a caller
// with work to do before it queues, that it can skip when it would be
// refused anyway.
func (w *writer) busy(op string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.busyLocked(op)
}

// busyLocked is busy with w.mu held.
func (w *writer) busyLocked(op string) error {
	if n := len(w.queue); n >= w.shedAt {
		return fmt.Errorf("sqlite: %s: %d writes queued: %w", op, n, store.ErrBusy)
	}
	return nil
}

// queued reports how many writes wait for the writer.
func (w *writer) queued() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.queue)
}

func (w *writer) loop() {
	defer close(w.done)
	for range w.wake {
		for {
			w.mu.Lock()
			n := min(len(w.queue), maxGroup)
			group := w.queue[:n:n]
			w.queue = w.queue[n:]
			if len(w.queue) == 0 {
				w.queue = nil // let the backing array go
			}
			w.mu.Unlock()
			if n == 0 {
				break
			}
			w.write(group)
		}
	}
}

// write runs a group in one transaction and tells each caller its result.
func (w *writer) write(group []*work) {
	parts := group[:0:0]
	for _, wk := range group {
		if wk.state.CompareAndSwap(queued, taken) {
			parts = append(parts, wk)
		}
	}
	if len(parts) == 0 {
		return
	}
	errs := make([]error, len(parts))
	ctx := context.Background()
	err := func() error {
		tx, err := w.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		for i, wk := range parts {
			if errs[i], err = w.part(ctx, tx, wk, len(parts) == 1); err != nil {
				tx.Rollback()
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}()
	for i, wk := range parts {
		switch {
		case errs[i] != nil:
			wk.err <- fmt.Errorf("sqlite: %s: %w", wk.op, errs[i])
		case err != nil:
			wk.err <- fmt.Errorf("sqlite: %s: %w", wk.op, err)
		default:
			wk.err <- nil
		}
	}
}

// part runs one caller's work inside a savepoint (not needed when it is
// alone: the transaction is rolled back instead). It returns the work's
// own error, and an error that dooms the whole transaction.
func (w *writer) part(ctx context.Context, tx *sql.Tx, wk *work, alone bool) (own, fatal error) {
	if alone {
		if own = wk.fn(ctx, tx); own != nil {
			return own, own
		}
		return nil, nil
	}
	if _, err := tx.StmtContext(ctx, w.savepoint).ExecContext(ctx); err != nil {
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	own = wk.fn(ctx, tx)
	if own != nil {
		if _, err := tx.StmtContext(ctx, w.rollbackTo).ExecContext(ctx); err != nil {
			return own, fmt.Errorf("rollback to savepoint: %w", err)
		}
	}
	if _, err := tx.StmtContext(ctx, w.release).ExecContext(ctx); err != nil {
		return own, fmt.Errorf("release savepoint: %w", err)
	}
	return own, nil
}

// signal wakes the loop; w.mu is held, so wake is not closed under it.
func (w *writer) signal() {
	select {
	case w.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// close stops taking work, lets the queue drain and waits for the loop.
func (w *writer) close() error {
	w.mu.Lock()
	already := w.closed
	if !already {
		w.closed = true
		close(w.wake) // the loop drains what is queued, then exits
	}
	w.mu.Unlock()
	if already {
		return nil
	}
	<-w.done
	return errors.Join(w.savepoint.Close(), w.release.Close(), w.rollbackTo.Close())
}
