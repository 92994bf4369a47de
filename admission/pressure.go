package admission

import (
	"context"
	"sync/atomic"
	"time"
)

// Pressure measures how late the Go scheduler runs a periodic timer: when
// the CPU is saturated (or the collector thrashes), every admitted run
// slows every other, and the memory-sized run budget is no longer the
// limit. Past a bound, new runs are refused at once instead of being
// admitted to a server that can no longer serve them in time.
type Pressure struct {
	max time.Duration
	lag atomic.Int64 // smoothed lateness in nanoseconds
}

// pressurePeriod is how often the lateness is sampled.
const pressurePeriod = 100 * time.Millisecond

// WatchPressure samples until ctx ends. max is the smoothed lateness past
// which the instance counts as overloaded (0 never does).
func WatchPressure(ctx context.Context, max time.Duration) *Pressure {
	p := &Pressure{max: max}
	go func() {
		t := time.NewTicker(pressurePeriod)
		defer t.Stop()
		next := time.Now().Add(pressurePeriod)
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				p.observe(time.Since(next))
				next = now.Add(pressurePeriod)
			}
		}
	}()
	return p
}

// observe folds one sample into a moving average over about a second, so a
// single GC pause does not refuse anyone.
func (p *Pressure) observe(late time.Duration) {
	late = max(late, 0)
	old := time.Duration(p.lag.Load())
	p.lag.Store(int64(old + (late-old)/8))
}

// Lag is the smoothed scheduling lateness.
func (p *Pressure) Lag() time.Duration { return time.Duration(p.lag.Load()) }

// Overloaded reports whether the lateness is past the bound.
func (p *Pressure) Overloaded() bool { return p != nil && p.max > 0 && p.Lag() > p.max }
