package guard_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/guard"
	"github.com/agentd/agentd/llm/llmtest"
	"github.com/agentd/agentd/llm/openai"
)

func provider(t *testing.T, srv *llmtest.Server, l guard.Limits) *guard.Provider {
	t.Helper()
	p, err := openai.New(openai.Config{BaseURL: srv.URL, Model: "test", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	return guard.Wrap(p, l, nil)
}

var hello = &llm.Request{Messages: nil, System: "s"}

func stream(ctx context.Context, p llm.Provider) (string, error) {
	var c llmtest.Collector
	err := p.Stream(ctx, hello, c.Emit)
	return c.Text(), err
}

func TestFirstTokenTimeout(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewOpenAI(t, llmtest.Reply{End: llmtest.Hang})
	p := provider(t, srv, guard.Limits{FirstToken: 150 * time.Millisecond, Idle: time.Hour})
	_, err := stream(context.Background(), p)
	if !errors.Is(err, llm.ErrFirstTokenTimeout) || llm.KindOf(err) != llm.ErrTimeout {
		t.Fatalf("err = %v, want a first-token timeout", err)
	}
}

func TestIdleTimeoutAfterPartialOutputIsNotRetried(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewOpenAI(t, llmtest.Reply{Chunks: llmtest.Text("Hel", "lo"), End: llmtest.Hang},
		llmtest.Reply{Chunks: llmtest.Text("again")})
	p := provider(t, srv, guard.Limits{FirstToken: time.Hour, Idle: 150 * time.Millisecond, Attempts: 3})
	text, err := stream(context.Background(), p)
	if !errors.Is(err, llm.ErrIdleTimeout) {
		t.Fatalf("err = %v, want an idle timeout", err)
	}
	if text != "Hello" || len(srv.Requests()) != 1 {
		t.Fatalf("text %q after %d requests: a stream with output must not be retried", text, len(srv.Requests()))
	}
}

func TestRateLimitThenSuccessHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewOpenAI(t, llmtest.Reply{Status: 429, RetryAfter: "1", ErrorType: "rate_limit_exceeded", Message: "slow down"},
		llmtest.Reply{Chunks: llmtest.Text("ok")})
	p := provider(t, srv, guard.Limits{Attempts: 3, Backoff: time.Millisecond})
	start := time.Now()
	text, err := stream(context.Background(), p)
	if err != nil || text != "ok" {
		t.Fatalf("text %q err %v", text, err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("retried after %v, before the provider's Retry-After of 1s", waited)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestServerErrorForeverStopsAfterAttempts(t *testing.T) {
	t.Parallel()
	fail := llmtest.Reply{Status: 500, ErrorType: "server_error", Message: "down"}
	srv := llmtest.NewOpenAI(t, fail, fail, fail, fail)
	p := provider(t, srv, guard.Limits{Attempts: 3, Backoff: time.Millisecond})
	_, err := stream(context.Background(), p)
	if llm.KindOf(err) != llm.ErrUnavailable {
		t.Fatalf("err = %v", err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestRetryNeverOutlivesTheDeadline(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewOpenAI(t, llmtest.Reply{Status: 429, RetryAfter: "30", ErrorType: "rate_limit_exceeded", Message: "later"})
	p := provider(t, srv, guard.Limits{Attempts: 5})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := stream(ctx, p)
	if llm.KindOf(err) != llm.ErrRateLimited || time.Since(start) > time.Second {
		t.Fatalf("err %v after %v: want the 429 at once, since Retry-After is past the deadline", err, time.Since(start))
	}
}

func TestConcurrencyCap(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewOpenAI(t, llmtest.Reply{End: llmtest.Hang}, llmtest.Reply{Chunks: llmtest.Text("x")})
	p := provider(t, srv, guard.Limits{MaxConcurrent: 1})
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error)
	go func() { _, err := stream(ctx, p); first <- err }()
	for len(srv.Requests()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	if _, err := stream(short, p); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second call: %v, want it to wait for the slot until its deadline", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests in flight, want 1", n)
	}
	cancel()
	<-first
	if text, err := stream(context.Background(), p); err != nil || text != "x" {
		t.Errorf("after the slot freed: %q %v", text, err)
	}
}

// pacedModel emits n deltas, gap apart, then stalls for stall.
type pacedModel struct {
	n          int
	gap, stall time.Duration
}

func (pacedModel) Name() string { return "paced" }
func (m pacedModel) Stream(ctx context.Context, _ *llm.Request, emit func(llm.Delta) error) error {
	for i := range m.n {
		if i > 0 {
			time.Sleep(m.gap)
		}
		if err := emit(llm.Delta{Text: "w"}); err != nil {
			return err
		}
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(m.stall):
		return nil
	}
}

// The idle limit runs from the last delta: a stream whose gaps stay well
// under it lives past it, however long; a gap past it ends the stream.
func TestIdleLimitRunsFromTheLastDelta(t *testing.T) {
	t.Parallel()
	const idle = 400 * time.Millisecond
	tests := []struct {
		name   string
		limits guard.Limits
		model  pacedModel
		want   error
	}{
		{"steady stream outlives both limits", guard.Limits{FirstToken: idle, Idle: idle},
			pacedModel{n: 100, gap: 10 * time.Millisecond}, nil},
		{"no idle limit after the first token", guard.Limits{FirstToken: idle},
			pacedModel{n: 3, stall: 3 * idle}, nil},
		{"a stall after output", guard.Limits{FirstToken: time.Hour, Idle: idle},
			pacedModel{n: 30, gap: 10 * time.Millisecond, stall: time.Hour}, llm.ErrIdleTimeout},
		{"a stall with only an idle limit", guard.Limits{Idle: idle},
			pacedModel{n: 1, stall: time.Hour}, llm.ErrIdleTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := guard.Wrap(tt.model, tt.limits, nil)
			n := 0
			err := p.Stream(context.Background(), hello, func(llm.Delta) error { n++; return nil })
			if tt.want == nil && err != nil {
				t.Fatalf("err %v after %d deltas", err, n)
			}
			if tt.want != nil && (!errors.Is(err, tt.want) || llm.KindOf(err) != llm.ErrTimeout || n != tt.model.n) {
				t.Fatalf("err %v after %d deltas, want %v after %d", err, n, tt.want, tt.model.n)
			}
		})
	}
}
