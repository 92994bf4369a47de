package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// listener holds one connection LISTENing on both channels: it wakes the
// Reads waiting for the run named in each event notification, and passes
// each run signal to the Listen calls of this EventLog.
type listener struct {
	cfg *pgx.ConnConfig
	log *slog.Logger

	mu      sync.Mutex
	waiters map[string]*waiters
	signals signalSubs
}

// waiters are the Reads of one run waiting for its next write: ch is
// closed when it comes.
type waiters struct {
	ch chan struct{}
	n  int
}

func newListener(cfg *pgx.ConnConfig, log *slog.Logger, schema string) *listener {
	return &listener{cfg: cfg, log: log, waiters: map[string]*waiters{}, signals: signalSubs{schema: schema}}
}

// wait returns a channel closed at the next notification for runID, and
// the release to call when no longer waiting. Register before reading the
// log, so a write committed in between is not missed.
func (l *listener) wait(runID string) (<-chan struct{}, func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.waiters[runID]
	if w == nil {
		w = &waiters{ch: make(chan struct{})}
		l.waiters[runID] = w
	}
	w.n++
	return w.ch, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		w.n--
		if w.n == 0 && l.waiters[runID] == w {
			delete(l.waiters, runID)
		}
	}
}

// wake wakes the Reads waiting for runID.
func (l *listener) wake(runID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w := l.waiters[runID]; w != nil {
		close(w.ch)
		delete(l.waiters, runID)
	}
}

// wakeAll wakes every waiting Read, after notifications may have been lost.
func (l *listener) wakeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, w := range l.waiters {
		close(w.ch)
		delete(l.waiters, id)
	}
}

// connect opens the listening connection.
func (l *listener) connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	// Events last: the listener shows in pg_stat_activity with that query.
	for _, ch := range []string{signalChannel, channel} {
		if _, err := conn.Exec(ctx, "LISTEN "+ch); err != nil {
			closeConn(conn)
			return nil, fmt.Errorf("listen on %s: %w", ch, err)
		}
	}
	return conn, nil
}

// run dispatches notifications from conn until ctx ends, reconnecting with
// backoff when the connection fails.
func (l *listener) run(ctx context.Context, conn *pgx.Conn) {
	const minBackoff, maxBackoff = 100 * time.Millisecond, 5 * time.Second
	backoff := minBackoff
	for {
		if conn != nil {
			err := l.dispatch(ctx, conn)
			closeConn(conn)
			conn = nil
			if ctx.Err() != nil {
				return
			}
			l.log.Warn("event log listener lost its connection; reconnecting", "err", err)
			backoff = minBackoff
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		var err error
		if conn, err = l.connect(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			l.log.Warn("event log listener cannot reconnect", "err", err, "retry_in", backoff)
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		// Writes committed while no connection listened sent their
		// notifications to nobody: let every waiting Read look again.
		l.wakeAll()
	}
}

// dispatch wakes the waiters of each event notification and passes on
// each signal, until conn fails.
func (l *listener) dispatch(ctx context.Context, conn *pgx.Conn) error {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Channel == signalChannel {
			l.signals.deliver(n.Payload)
			continue
		}
		l.wake(n.Payload)
	}
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn.Close(ctx)
}
