package llmtest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/agentd/agentd/llm"
)

func testConnectionRefused(t *testing.T, tg Target) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // its port now refuses connections
	_, err := Stream(t, tg.New(t, closed.URL), Hello())
	if e := AsError(t, err); e.Kind != llm.ErrUnavailable || !e.Retryable() {
		t.Errorf("error = %+v, want retryable unavailable", e)
	}
}

func testDeadlineWhileServerHangs(t *testing.T, tg Target) {
	tests := []struct {
		name  string
		reply Reply
	}{
		{"before the response headers", Reply{End: Hang}},
		{"mid-stream", Reply{Chunks: Text("Hel"), End: Hang}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := tg.New(t, tg.Serve(t, tt.reply).URL)
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			err := Within(t, 10*time.Second, func() error { return p.Stream(ctx, Hello(), func(llm.Delta) error { return nil }) })
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want context.DeadlineExceeded", err)
			}
		})
	}
}

func testCancelWhileServerHangs(t *testing.T, tg Target) {
	p := tg.New(t, tg.Serve(t, Reply{Chunks: Text("Hel"), End: Hang}).URL)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel once the first delta arrived: the server then sends nothing more.
	err := Within(t, 10*time.Second, func() error {
		return p.Stream(ctx, Hello(), func(llm.Delta) error { cancel(); return nil })
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
