package admission

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/agentd/agentd"
)

func TestBudget_WaitsBoundedThenRefusesWithRetryAfter(t *testing.T) {
	t.Parallel()
	b := NewBudget(2, 50*time.Millisecond)
	r1, err1 := b.Acquire(context.Background())
	_, err2 := b.Acquire(context.Background())
	if err1 != nil || err2 != nil || !b.Exhausted() || b.InUse() != 2 {
		t.Fatalf("first two: %v %v in use %d", err1, err2, b.InUse())
	}
	_, err := b.Acquire(context.Background())
	var e *agentd.Error
	if !errors.As(err, &e) || e.Code != agentd.CodeOverloaded || e.RetryAfter <= 0 {
		t.Fatalf("third: %v, want overloaded with Retry-After", err)
	}
	// A slot freed during the wait is taken.
	go func() { time.Sleep(10 * time.Millisecond); r1() }()
	if _, err := b.Acquire(context.Background()); err != nil {
		t.Fatalf("slot freed during the wait: %v", err)
	}
}

func TestBudget_GivesUpWhenTheCallerLeaves(t *testing.T) {
	t.Parallel()
	b := NewBudget(1, time.Hour)
	if _, err := b.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}

func TestLocal_TokenBucketPerCallerWithExactRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	l := NewLocal(2, 3) // 2 per second, bursts of 3
	l.now = func() time.Time { return now }
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if ok, _, _ := l.Allow(ctx, "a"); !ok {
			t.Fatalf("burst run %d refused", i)
		}
	}
	ok, retry, _ := l.Allow(ctx, "a")
	if ok || retry != 500*time.Millisecond {
		t.Fatalf("over the burst: ok %v retry %v, want refused for 500ms", ok, retry)
	}
	if ok, _, _ := l.Allow(ctx, "b"); !ok {
		t.Fatal("another caller was limited")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _, _ := l.Allow(ctx, "a"); !ok {
		t.Fatal("refused after the Retry-After delay")
	}
}

func TestLocal_ForgetsIdleCallers(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	l := NewLocal(1, 1)
	l.now = func() time.Time { return now }
	for _, k := range []string{"a", "b", "c"} {
		l.Allow(context.Background(), k)
	}
	now = now.Add(l.idle + time.Second)
	l.Allow(context.Background(), "d")
	if n := len(l.buckets); n != 1 {
		t.Fatalf("%d buckets kept, want only the active caller's", n)
	}
}

func TestPressure_RefusesOnlySustainedLateness(t *testing.T) {
	t.Parallel()
	p := &Pressure{max: 100 * time.Millisecond}
	b := NewBudget(10, time.Second).WithPressure(p)
	p.observe(500 * time.Millisecond) // one long pause: the average moves an eighth
	if b.Overloaded() {
		t.Fatalf("one pause (lag %v) refused runs", p.Lag())
	}
	for i := 0; i < 20; i++ {
		p.observe(300 * time.Millisecond)
	}
	_, err := b.Acquire(context.Background())
	var e *agentd.Error
	if !errors.As(err, &e) || e.Code != agentd.CodeOverloaded || e.RetryAfter <= 0 {
		t.Fatalf("sustained lateness %v: %v", p.Lag(), err)
	}
	for i := 0; i < 40; i++ {
		p.observe(0)
	}
	if _, err := b.Acquire(context.Background()); err != nil {
		t.Fatalf("after recovery (lag %v): %v", p.Lag(), err)
	}
}
