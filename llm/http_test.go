package llm_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/llm"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header map[string]string
		want   time.Duration
	}{
		{nil, 0},
		{map[string]string{"Retry-After": "30"}, 30 * time.Second},
		{map[string]string{"Retry-After": " 2 "}, 2 * time.Second},
		{map[string]string{"Retry-After": "0"}, 0},
		{map[string]string{"Retry-After": "-5"}, 0},
		{map[string]string{"Retry-After": "soon"}, 0},
		{map[string]string{"Retry-After": "99999999999999999999"}, 0},
		{map[string]string{"Retry-After": "Sat, 01 Mar 2025 12:01:30 GMT"}, 90 * time.Second},
		{map[string]string{"Retry-After": "Sat, 01 Mar 2025 11:59:00 GMT"}, 0}, // in the past
		{map[string]string{"Retry-After-Ms": "250"}, 0},                        // not the standard header
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.header {
			h.Set(k, v)
		}
		if got := llm.RetryAfter(h, now); got != tt.want {
			t.Errorf("RetryAfter(%v) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestHTTPError(t *testing.T) {
	t.Parallel()
	e := llm.HTTPError("p", 429, 7*time.Second, "slow down")
	if e.Provider != "p" || e.Kind != llm.ErrRateLimited || e.Status != 429 || e.RetryAfter != 7*time.Second {
		t.Errorf("HTTPError = %+v, want p, rate_limited, 429, 7s", e)
	}
	if got, want := e.Err.Error(), "HTTP 429 Too Many Requests: slow down"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	if got, want := llm.HTTPError("p", 502, 0, "").Err.Error(), "HTTP 502 Bad Gateway"; got != want {
		t.Errorf("message without the server's = %q, want %q", got, want)
	}
}

// timeoutError is a net.Error that timed out, as a dial or read deadline gives.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

var _ net.Error = timeoutError{}

func TestSendError(t *testing.T) {
	t.Parallel()
	refused := errors.New("connect: connection refused")
	tests := []struct {
		err  error
		kind llm.ErrorKind
	}{
		{refused, llm.ErrUnavailable},
		{&net.OpError{Op: "dial", Net: "tcp", Err: timeoutError{}}, llm.ErrTimeout},
		{context.DeadlineExceeded, llm.ErrTimeout}, // a net.Error that timed out
	}
	for _, tt := range tests {
		e := llm.SendError("p", tt.err)
		if e.Provider != "p" || e.Kind != tt.kind || e.Status != 0 || !errors.Is(e, tt.err) {
			t.Errorf("SendError(%v) = %+v, want kind %s wrapping the cause", tt.err, e, tt.kind)
		}
		if !strings.Contains(e.Error(), "sending the request") {
			t.Errorf("SendError(%v) = %q, want it to say the request was not sent", tt.err, e)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	if got := llm.Redact("bad key sk-1 (sk-1)", "sk-1"); got != "bad key [redacted] ([redacted])" {
		t.Errorf("Redact = %q", got)
	}
	if got := llm.Redact("no key", ""); got != "no key" {
		t.Errorf("Redact with no secret = %q, want the text unchanged", got)
	}
}
