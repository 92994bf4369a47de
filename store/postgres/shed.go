package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentd/agentd/store"
)

// Shedding. A run in progress must be able to write (or its thread stays
// leased), a new run can be told to come back: so when the pool is short
// of connections, StartRun is refused with store.ErrBusy rather than
// queued behind everyone else. Without this, every start waits in the
// pool's queue, the runs it admits wait again for their Commit behind the
// starts that came after them, and clients wait seconds instead of being
// told at once.
//
// At most MaxConns-1 StartRuns hold or wait for a connection at once, so
// that one stays for runs in progress however long starts take (a start
// may wait for a thread's row lock); up to ShedQueue more wait for one of
// those places, and a StartRun beyond that is refused at once. No
// StartRun waits past its bound (ShedWait, or its WaitUntil if earlier),
// and one that would is refused at once rather than at its bound: its
// wait is foreseen from the StartRuns ahead of it and how long a StartRun
// has lately held its place. Reads wait for a connection at most
// ReadWait.

const (
	defaultShedWait = 2 * time.Second
	defaultReadWait = 2 * time.Second
	// minWait still lets a StartRun or read whose bound has passed take a
	// connection that is free now.
	minWait = time.Millisecond
)

// errWaited is the cause of an acquire cut short by the store's bound,
// as opposed to the caller's context.
var errWaited = errors.New("waited too long for a connection")

// startGate admits StartRuns to the pool.
type startGate struct {
	slots   chan struct{} // StartRuns holding or waiting for a connection
	waiting atomic.Int64  // StartRuns waiting for a slot
	queue   int64         // how many may wait for a slot
	wait    time.Duration
	hold    atomic.Int64 // moving average of how long a StartRun holds its slot, in ns
}

func newStartGate(conns int32, queue int, wait time.Duration) *startGate {
	if queue <= 0 {
		queue = 64 * int(conns)
	}
	if wait <= 0 {
		wait = defaultShedWait
	}
	return &startGate{slots: make(chan struct{}, max(conns-1, 1)), queue: int64(queue), wait: wait}
}

// acquireStart takes a StartRun's place in the gate and then a connection,
// or refuses with store.ErrBusy once the gate's queue is full or the bound
// has passed. done releases both.
func (s *Store) acquireStart(ctx context.Context, op string, until time.Time) (c *pgxpool.Conn, done func(), err error) {
	g := s.starts
	bound := time.Now().Add(g.wait)
	if !until.IsZero() && until.Before(bound) {
		bound = until
	}
	select {
	case g.slots <- struct{}{}:
	default:
		n := g.waiting.Add(1)
		if n > g.queue {
			g.waiting.Add(-1)
			return nil, nil, fmt.Errorf("postgres: %s: %d new runs already wait for a connection: %w", op, n-1, store.ErrBusy)
		}
		if w := g.foreseen(n); w > time.Until(bound) {
			g.waiting.Add(-1)
			return nil, nil, fmt.Errorf("postgres: %s: %d new runs wait for a connection, about %v: %w",
				op, n-1, w.Round(time.Millisecond), store.ErrBusy)
		}
		err := g.enter(ctx, bound)
		g.waiting.Add(-1)
		if err != nil {
			return nil, nil, fmt.Errorf("postgres: %s: %w", op, err)
		}
	}
	entered := time.Now()
	leave := func() {
		g.held(time.Since(entered))
		<-g.slots
	}
	if c, err = s.acquire(ctx, bound); err != nil {
		leave()
		return nil, nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	return c, func() { c.Release(); leave() }, nil
}

// foreseen is how long the n-th StartRun waiting for a slot will wait.
func (g *startGate) foreseen(n int64) time.Duration {
	return time.Duration(n * g.hold.Load() / int64(cap(g.slots)))
}

// held adds how long a StartRun held its slot to the moving average (a
// concurrent update may be lost: it is an estimate).
func (g *startGate) held(d time.Duration) {
	old := g.hold.Load()
	g.hold.Store(old + (int64(d)-old)/8)
}

// enter waits for a slot until bound.
func (g *startGate) enter(ctx context.Context, bound time.Time) error {
	t := time.NewTimer(max(time.Until(bound), minWait))
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-t.C:
		return fmt.Errorf("%w: %w", errWaited, store.ErrBusy)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// acquire takes a connection from the pool, waiting until bound at most:
// then it gives up with store.ErrBusy.
func (s *Store) acquire(ctx context.Context, bound time.Time) (*pgxpool.Conn, error) {
	actx, cancel := context.WithTimeoutCause(ctx, max(time.Until(bound), minWait), errWaited)
	defer cancel()
	c, err := s.pool.Acquire(actx)
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(actx), errWaited) {
		return nil, fmt.Errorf("%w: %w", errWaited, store.ErrBusy)
	}
	return c, err
}

// reader is a pooled connection for a read, taken within ReadWait. The
// caller releases it.
func (s *Store) reader(ctx context.Context) (*pgxpool.Conn, error) {
	return s.acquire(ctx, time.Now().Add(s.readWait))
}

// StartsWaiting reports how many StartRuns wait for a place in the pool;
// past ShedQueue new runs are refused.
func (s *Store) StartsWaiting() int { return int(s.starts.waiting.Load()) }
