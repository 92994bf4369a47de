package admission

import (
	"context"
	"time"

	"github.com/agentd/agentd"
)

// Budget caps the runs in flight on this instance. A caller waits at most
// the configured bound for a slot, then is told to retry.
type Budget struct {
	slots    chan struct{}
	wait     time.Duration
	pressure *Pressure // nil: slots are the only limit
}

// WithPressure makes the budget refuse new runs while p says the instance
// is overloaded, whatever slots are free.
func (b *Budget) WithPressure(p *Pressure) *Budget {
	b.pressure = p
	return b
}

// NewBudget returns a budget of max concurrent runs with a bounded wait.
func NewBudget(max int, wait time.Duration) *Budget {
	if max < 1 {
		max = 1
	}
	return &Budget{slots: make(chan struct{}, max), wait: wait}
}

// Acquire takes a slot, waiting at most the budget's bound (less if ctx
// ends first). It returns a release func, or an overloaded error with a
// Retry-After hint.
func (b *Budget) Acquire(ctx context.Context) (release func(), err error) {
	if b.pressure.Overloaded() {
		return nil, &agentd.Error{Code: agentd.CodeOverloaded, RetryAfter: 2 * time.Second,
			Message: "the server is overloaded (its scheduler runs late); retry shortly"}
	}
	select {
	case b.slots <- struct{}{}:
		return b.release, nil
	default:
	}
	if b.wait <= 0 {
		return nil, b.full()
	}
	t := time.NewTimer(b.wait)
	defer t.Stop()
	select {
	case b.slots <- struct{}{}:
		return b.release, nil
	case <-t.C:
		return nil, b.full()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (b *Budget) release() { <-b.slots }

func (b *Budget) full() error {
	return &agentd.Error{Code: agentd.CodeOverloaded, RetryAfter: time.Second,
		Message: "the server is at its run capacity; retry shortly"}
}

// Wait is the longest Acquire waits for a slot.
func (b *Budget) Wait() time.Duration { return b.wait }

// InUse is the number of slots taken.
func (b *Budget) InUse() int { return len(b.slots) }

// Cap is the number of slots.
func (b *Budget) Cap() int { return cap(b.slots) }

// Exhausted reports whether no slot is free.
func (b *Budget) Exhausted() bool { return len(b.slots) >= cap(b.slots) }

// Overloaded reports whether the instance refuses runs for CPU pressure.
func (b *Budget) Overloaded() bool { return b.pressure.Overloaded() }
