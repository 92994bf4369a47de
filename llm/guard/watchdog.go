package guard

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentd/agentd/llm"
)

// watchdog cancels a call that waits too long for its first delta or
// between two deltas.
//
// A delta only records its time: resetting a timer per token cost more
// than the rest of the guard. The timer, when it fires, re-arms itself for
// what is left of the idle limit since the last delta, so it fires about
// once per idle limit however fast the tokens come.
type watchdog struct {
	start  time.Time
	last   atomic.Int64 // time of the last delta since start, in ns; -1 before the first
	idle   time.Duration
	cancel context.CancelCauseFunc

	mu      sync.Mutex
	timer   *time.Timer
	stopped bool
}

func newWatchdog(cancel context.CancelCauseFunc, l Limits) *watchdog {
	w := &watchdog{start: time.Now(), idle: l.Idle, cancel: cancel}
	w.last.Store(-1)
	if l.FirstToken > 0 {
		w.timer = time.AfterFunc(l.FirstToken, w.fire)
	}
	return w
}

// tick records a delta.
func (w *watchdog) tick() {
	if w.last.Swap(int64(time.Since(w.start))) >= 0 {
		return
	}
	// The first delta: from now on only the idle limit applies.
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	switch {
	case w.idle <= 0:
		if w.timer != nil {
			w.timer.Stop()
		}
	case w.timer == nil:
		w.timer = time.AfterFunc(w.idle, w.fire)
	default:
		w.timer.Reset(w.idle)
	}
}

// fire runs when a limit may have passed.
func (w *watchdog) fire() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	last := w.last.Load()
	if last < 0 {
		w.cancel(llm.ErrFirstTokenTimeout)
		return
	}
	if w.idle <= 0 {
		return
	}
	if left := time.Duration(last) + w.idle - time.Since(w.start); left > 0 {
		w.timer.Reset(left)
		return
	}
	w.cancel(llm.ErrIdleTimeout)
}

func (w *watchdog) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	if w.timer != nil {
		w.timer.Stop()
	}
}
