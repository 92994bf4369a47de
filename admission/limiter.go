package admission

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter decides whether a caller may start a run now. Implementations:
// Local (one instance) and, across instances, one backed by Redis.
type Limiter interface {
	// Allow takes one token for key. When it is refused, retryAfter says
	// when a token will be available.
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

// Local is an in-process token bucket per caller, built on x/time/rate.
// Idle callers' buckets are dropped, so memory stays bounded by the
// callers active within the idle window.
type Local struct {
	rate  rate.Limit
	burst int
	idle  time.Duration
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewLocal returns a limiter allowing perSecond runs per caller on
// average with bursts of burst.
func NewLocal(perSecond float64, burst int) *Local {
	if burst < 1 {
		burst = 1
	}
	return &Local{rate: rate.Limit(perSecond), burst: burst, idle: 10 * time.Minute, now: time.Now, buckets: map[string]*bucket{}}
}

// Allow implements Limiter.
func (l *Local) Allow(_ context.Context, key string) (bool, time.Duration, error) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Minute, nil
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d, nil
	}
	return true, 0, nil
}

// sweep drops buckets idle for longer than the window, at most once a window.
func (l *Local) sweep(now time.Time) {
	if now.Sub(l.swept) < l.idle {
		return
	}
	l.swept = now
	for k, b := range l.buckets {
		if now.Sub(b.seen) > l.idle {
			delete(l.buckets, k)
		}
	}
}
