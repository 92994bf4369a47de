package guard

import (
	"context"
	"sync"
	"time"

	"github.com/agentd/agentd/llm"
)

// watchdog cancels a call that waits too long for its first delta or
// between two deltas.
type watchdog struct {
	mu     sync.Mutex
	timer  *time.Timer
	idle   time.Duration
	seen   bool
	cancel context.CancelCauseFunc
}

func newWatchdog(cancel context.CancelCauseFunc, l Limits) *watchdog {
	w := &watchdog{idle: l.Idle, cancel: cancel}
	if l.FirstToken > 0 {
		w.timer = time.AfterFunc(l.FirstToken, func() { cancel(llm.ErrFirstTokenTimeout) })
	}
	return w
}

// tick records a delta and restarts the idle limit.
func (w *watchdog) tick() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen && w.timer != nil && w.idle > 0 {
		w.timer.Reset(w.idle)
		return
	}
	w.seen = true
	if w.timer != nil {
		w.timer.Stop()
	}
	if w.idle > 0 {
		w.timer = time.AfterFunc(w.idle, func() { w.cancel(llm.ErrIdleTimeout) })
	} else {
		w.timer = nil
	}
}

func (w *watchdog) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.timer != nil {
		w.timer.Stop()
	}
}
