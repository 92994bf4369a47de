package openai_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/llmtest"
	"github.com/agentd/agentd/llm/openai"
)

func TestStream_HTTPErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		reply      llmtest.Reply
		kind       llm.ErrorKind
		retryAfter time.Duration
	}{
		{"429 with Retry-After seconds", llmtest.Reply{Status: 429, RetryAfter: "7", ErrorType: "requests", Message: "Rate limit reached"},
			llm.ErrRateLimited, 7 * time.Second},
		{"429 with Retry-After-Ms", llmtest.Reply{Status: 429, Header: map[string]string{"Retry-After-Ms": "1500"}, Message: "slow down"},
			llm.ErrRateLimited, 1500 * time.Millisecond},
		{"500", llmtest.Reply{Status: 500, ErrorType: "server_error", Message: "The server had an error"},
			llm.ErrUnavailable, 0},
		{"503 with a plain-text body", llmtest.Reply{Status: 503, Raw: []byte("upstream connect error")},
			llm.ErrUnavailable, 0},
		{"400", llmtest.Reply{Status: 400, ErrorType: "invalid_request_error", Message: "Invalid 'messages'"},
			llm.ErrBadRequest, 0},
		{"401", llmtest.Reply{Status: 401, ErrorType: "invalid_request_error", Message: "Incorrect API key provided"},
			llm.ErrAuth, 0},
		{"403", llmtest.Reply{Status: 403, Message: "forbidden"}, llm.ErrAuth, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := llmtest.NewOpenAI(t, tt.reply)
			c, err := llmtest.Stream(t, newProvider(t, s), hello())
			e := llmtest.AsError(t, err)
			if e.Kind != tt.kind || e.Status != tt.reply.Status || e.RetryAfter != tt.retryAfter || e.Provider != "openai" {
				t.Errorf("error = %+v, want kind %s, status %d, retry after %v", e, tt.kind, tt.reply.Status, tt.retryAfter)
			}
			if tt.reply.Message != "" && !strings.Contains(err.Error(), tt.reply.Message) {
				t.Errorf("error %q lacks the server's message %q", err, tt.reply.Message)
			}
			if len(c.Deltas) != 0 {
				t.Errorf("deltas emitted for an error: %+v", c.Deltas)
			}
			if n := len(s.Requests()); n != 1 {
				t.Errorf("server got %d requests, want 1 (no SDK retries)", n)
			}
		})
	}
}

func TestStream_RetryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	at := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	s := llmtest.NewOpenAI(t, llmtest.Reply{Status: 429, RetryAfter: at})
	_, err := llmtest.Stream(t, newProvider(t, s), hello())
	e := llmtest.AsError(t, err)
	// The date has one-second resolution and some time passes in between.
	if e.Kind != llm.ErrRateLimited || e.RetryAfter < 80*time.Second || e.RetryAfter > 90*time.Second {
		t.Errorf("error = %+v, want rate_limited with about 90s", e)
	}
}

func TestStream_APIKeyNeverInErrors(t *testing.T) {
	t.Parallel()
	s := llmtest.NewOpenAI(t, llmtest.Reply{Status: 401, Message: "Incorrect API key provided: " + testKey})
	_, err := llmtest.Stream(t, newProvider(t, s), hello())
	e := llmtest.AsError(t, err)
	if strings.Contains(err.Error(), testKey) || strings.Contains(e.Err.Error(), testKey) {
		t.Errorf("error leaks the API key: %v", err)
	}
	if !strings.Contains(err.Error(), "Incorrect API key provided") {
		t.Errorf("error %q lost the server's message", err)
	}
}

func TestStream_BrokenStreams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply llmtest.Reply
	}{
		{"connection cut mid-way", llmtest.Reply{Chunks: llmtest.Text("Hel", "lo"), End: llmtest.Cut}},
		{"clean end without finish_reason", llmtest.Reply{Chunks: llmtest.Text("Hel", "lo"), End: llmtest.EOF}},
		{"cut inside a tool call", llmtest.Reply{Chunks: llmtest.ToolCall(0, "call_1", "f", `{"a":`), End: llmtest.Cut}},
		{"error event mid-stream", llmtest.Reply{Chunks: llmtest.Text("Hel"), End: llmtest.StreamError,
			ErrorType: "server_error", Message: "The model stopped"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := llmtest.NewOpenAI(t, tt.reply)
			c, err := llmtest.Stream(t, newProvider(t, s), hello())
			if e := llmtest.AsError(t, err); e.Kind != llm.ErrStream {
				t.Errorf("kind = %s, want stream: %v", e.Kind, err)
			}
			if len(c.Deltas) == 0 {
				t.Errorf("the deltas before the break were not emitted")
			}
		})
	}
}

func TestStream_ConnectionRefused(t *testing.T) {
	t.Parallel()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // its port now refuses connections
	p, err := openai.New(openai.Config{APIKey: testKey, BaseURL: closed.URL + "/v1", Model: "gpt-test"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = llmtest.Stream(t, p, hello())
	if e := llmtest.AsError(t, err); e.Kind != llm.ErrUnavailable || !e.Retryable() {
		t.Errorf("error = %+v, want retryable unavailable", e)
	}
}

func TestStream_DeadlineWhileServerHangs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply llmtest.Reply
	}{
		{"before the response headers", llmtest.Reply{End: llmtest.Hang}},
		{"mid-stream", llmtest.Reply{Chunks: llmtest.Text("Hel"), End: llmtest.Hang}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := llmtest.NewOpenAI(t, tt.reply)
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			err := llmtest.Within(t, 10*time.Second, func() error { return newProvider(t, s).Stream(ctx, hello(), func(llm.Delta) error { return nil }) })
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want context.DeadlineExceeded", err)
			}
		})
	}
}

func TestStream_CancelWhileServerHangs(t *testing.T) {
	t.Parallel()
	s := llmtest.NewOpenAI(t, llmtest.Reply{Chunks: llmtest.Text("Hel"), End: llmtest.Hang})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel once the first delta arrived: the server then sends nothing more.
	err := llmtest.Within(t, 10*time.Second, func() error {
		return newProvider(t, s).Stream(ctx, hello(), func(llm.Delta) error { cancel(); return nil })
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
