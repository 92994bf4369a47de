// Package guard wraps a model provider with the limits every call needs:
// a deadline for the first token and for each gap between tokens, retries
// with backoff and jitter on rate limits and server errors (honouring the
// provider's Retry-After, within the caller's deadline), and a cap on
// concurrent calls. A stream is retried only before it has produced any
// output, so a client never sees text twice.
package guard

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/agentd/agentd/llm"
	"github.com/prometheus/client_golang/prometheus"
)

// Limits configure a guarded provider. Zero values disable a limit.
type Limits struct {
	FirstToken    time.Duration // longest wait for the first delta
	Idle          time.Duration // longest gap between deltas
	Attempts      int           // tries per call for retryable errors (0 or 1: no retry)
	Backoff       time.Duration // first retry delay, doubled each time (default 500ms)
	MaxBackoff    time.Duration // cap on one delay (default 20s)
	MaxConcurrent int           // calls in flight to this provider
}

// Provider is a guarded llm.Provider.
type Provider struct {
	inner   llm.Provider
	limits  Limits
	slots   chan struct{}
	metrics *metrics
}

// Wrap guards p. reg receives its metrics (nil keeps them private); metrics
// of several providers may share one registry.
func Wrap(p llm.Provider, l Limits, reg prometheus.Registerer) *Provider {
	if l.Backoff <= 0 {
		l.Backoff = 500 * time.Millisecond
	}
	if l.MaxBackoff <= 0 {
		l.MaxBackoff = 20 * time.Second
	}
	g := &Provider{inner: p, limits: l, metrics: sharedMetrics(reg)}
	if l.MaxConcurrent > 0 {
		g.slots = make(chan struct{}, l.MaxConcurrent)
	}
	return g
}

// Name implements llm.Provider.
func (g *Provider) Name() string { return g.inner.Name() }

// Stream implements llm.Provider.
func (g *Provider) Stream(ctx context.Context, req *llm.Request, emit func(llm.Delta) error) error {
	for attempt := 1; ; attempt++ {
		emitted := false
		err := g.once(ctx, req, func(d llm.Delta) error {
			emitted = true
			return emit(d)
		})
		if err == nil {
			return nil
		}
		g.metrics.errors.WithLabelValues(g.Name(), errorKind(err)).Inc()
		wait, retry := g.retryAfter(ctx, err, attempt, emitted)
		if !retry {
			return err
		}
		g.metrics.retries.WithLabelValues(g.Name()).Inc()
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// retryAfter decides whether to try again and after how long: full jitter
// over an exponential backoff, at least the provider's Retry-After, and
// never past the caller's deadline.
func (g *Provider) retryAfter(ctx context.Context, err error, attempt int, emitted bool) (time.Duration, bool) {
	var le *llm.Error
	if emitted || attempt >= g.limits.Attempts || ctx.Err() != nil || !errors.As(err, &le) || !le.Retryable() {
		return 0, false
	}
	ceiling := min(g.limits.Backoff<<(attempt-1), g.limits.MaxBackoff)
	wait := time.Duration(rand.Int64N(int64(ceiling)) + 1)
	if le.RetryAfter > wait {
		wait = le.RetryAfter
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= wait {
		return 0, false
	}
	return wait, true
}

// once makes one call under the concurrency cap and the token deadlines.
func (g *Provider) once(ctx context.Context, req *llm.Request, emit func(llm.Delta) error) error {
	if g.slots != nil {
		select {
		case g.slots <- struct{}{}:
			defer func() { <-g.slots }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if g.limits.FirstToken <= 0 && g.limits.Idle <= 0 {
		return g.inner.Stream(ctx, req, emit)
	}
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watch := newWatchdog(cancel, g.limits)
	defer watch.stop()
	err := g.inner.Stream(cctx, req, func(d llm.Delta) error {
		watch.tick()
		return emit(d)
	})
	if cause := context.Cause(cctx); err != nil && ctx.Err() == nil &&
		(errors.Is(cause, llm.ErrFirstTokenTimeout) || errors.Is(cause, llm.ErrIdleTimeout)) {
		return &llm.Error{Provider: g.Name(), Kind: llm.ErrTimeout, Err: cause}
	}
	return err
}

// errorKind labels an error for metrics.
func errorKind(err error) string {
	if k := llm.KindOf(err); k != "" {
		return string(k)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "cancelled"
	}
	return "other"
}

type metrics struct {
	errors  *prometheus.CounterVec
	retries *prometheus.CounterVec
}

// sharedMetrics registers the guard's metrics once per registry.
func sharedMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "agentd_model_errors_total",
			Help: "Model call failures by provider and kind."}, []string{"provider", "kind"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "agentd_model_retries_total",
			Help: "Model calls retried after a rate limit or server error."}, []string{"provider"}),
	}
	if reg == nil {
		return m
	}
	m.errors = register(reg, m.errors)
	m.retries = register(reg, m.retries)
	return m
}

func register(reg prometheus.Registerer, c *prometheus.CounterVec) *prometheus.CounterVec {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			return are.ExistingCollector.(*prometheus.CounterVec)
		}
		panic(err)
	}
	return c
}
