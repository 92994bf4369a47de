package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/agentd/agentd/coord/redis"
	"github.com/agentd/agentd/internal/testenv"
)

// limiter is admission.Limiter's method set, restated so this package
// need not import admission.
type limiter interface {
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

var _ limiter = (*redis.Limiter)(nil)

// TestLimiterShared: two instances, each with its own client and Limiter,
// draw from one budget per caller; callers' budgets are independent.
func TestLimiterShared(t *testing.T) {
	url, prefix := testenv.Redis(t)
	tg := target{url, prefix}
	// One token per 100 s: none comes back while the test runs.
	const perSecond, burst = 0.01, 3
	instances := []limiter{
		redis.NewLimiter(openClient(t, tg, redis.Options{}), perSecond, burst),
		redis.NewLimiter(openClient(t, tg, redis.Options{}), perSecond, burst),
	}
	allow := func(i int, key string) (bool, time.Duration) {
		t.Helper()
		ok, retry, err := instances[i%2].Allow(t.Context(), key)
		if err != nil {
			t.Fatalf("Allow(%s) on instance %d: %v", key, i%2, err)
		}
		return ok, retry
	}
	for i := range burst {
		if ok, _ := allow(i, "alice"); !ok {
			t.Fatalf("call %d of alice's burst of %d refused", i+1, burst)
		}
	}
	for i := range 2 {
		ok, retry := allow(i, "alice")
		if ok {
			t.Fatalf("call %d past alice's burst allowed on instance %d: the budget is not shared", burst+i+1, i%2)
		}
		if retry <= 90*time.Second || retry > 100*time.Second {
			t.Fatalf("retryAfter = %v, want about 100s (one token per 100s)", retry)
		}
	}
	for i := range burst {
		if ok, _ := allow(i+1, "bob"); !ok {
			t.Fatalf("call %d of bob's burst refused: alice's calls counted against bob", i+1)
		}
	}
}

// TestLimiterRefills: once refused, the call is allowed after retryAfter.
func TestLimiterRefills(t *testing.T) {
	url, prefix := testenv.Redis(t)
	l := redis.NewLimiter(openClient(t, target{url, prefix}, redis.Options{}), 5, 1)
	ctx := t.Context()
	if ok, _, err := l.Allow(ctx, "carol"); !ok || err != nil {
		t.Fatalf("first call: %v, %v", ok, err)
	}
	ok, retry, err := l.Allow(ctx, "carol")
	if ok || err != nil {
		t.Fatalf("second call at once: allowed=%v, %v; want refused", ok, err)
	}
	if retry <= 0 || retry > 200*time.Millisecond {
		t.Fatalf("retryAfter = %v, want (0, 200ms] at 5 per second", retry)
	}
	time.Sleep(retry + 20*time.Millisecond)
	if ok, _, err := l.Allow(ctx, "carol"); !ok || err != nil {
		t.Fatalf("call after retryAfter: allowed=%v, %v", ok, err)
	}
}

func TestNewLimiterRejectsBadRate(t *testing.T) {
	url, prefix := testenv.Redis(t)
	c := openClient(t, target{url, prefix}, redis.Options{})
	for _, r := range []float64{0, -1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewLimiter(rate %v): no panic", r)
				}
			}()
			redis.NewLimiter(c, r, 1)
		}()
	}
}
