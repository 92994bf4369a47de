package llmtest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm"
)

// Target is a provider under test, for the checks every provider must pass
// whatever its wire format.
type Target struct {
	Name  string                                       // the provider's name, as its errors carry it
	Serve func(t testing.TB, replies ...Reply) *Server // NewOpenAI or NewAnthropic
	// New returns the provider under test for baseURL: a Server's URL, or
	// one that refuses connections.
	New func(t testing.TB, baseURL string) llm.Provider
}

// Hello is the smallest valid request.
func Hello() *llm.Request {
	return &llm.Request{Messages: []agui.Message{{ID: "u1", Role: agui.RoleUser, Content: agui.TextContent("hi")}}}
}

// RunContract runs, in parallel, the checks that need nothing of the
// provider's wire format but what Reply scripts: the deltas of text and
// tool calls, emit's error coming back as is, a refused connection being a
// retryable unavailable, and a server that hangs giving way to the
// context's deadline and cancellation.
func RunContract(t *testing.T, tg Target) {
	tests := []struct {
		name string
		fn   func(*testing.T, Target)
	}{
		{"Text", testText},
		{"ToolCallArgsSplitAcrossChunks", testToolCallArgsSplit},
		{"TextThenParallelToolCalls", testTextThenParallelToolCalls},
		{"EmitErrorIsReturnedAsIs", testEmitError},
		{"ConnectionRefused", testConnectionRefused},
		{"DeadlineWhileServerHangs", testDeadlineWhileServerHangs},
		{"CancelWhileServerHangs", testCancelWhileServerHangs},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, tg)
		})
	}
}

// CheckHTTPError checks that reply, an HTTP error, fails the turn with an
// *llm.Error of kind that carries the status, retryAfter, the provider's
// name and the server's message, after no delta and a single request (the
// SDK must not retry).
func (tg Target) CheckHTTPError(t *testing.T, reply Reply, kind llm.ErrorKind, retryAfter time.Duration) {
	t.Helper()
	s := tg.Serve(t, reply)
	c, err := Stream(t, tg.New(t, s.URL), Hello())
	e := AsError(t, err)
	if e.Kind != kind || e.Status != reply.Status || e.RetryAfter != retryAfter || e.Provider != tg.Name {
		t.Errorf("error = %+v, want kind %s, status %d, retry after %v", e, kind, reply.Status, retryAfter)
	}
	if reply.Message != "" && !strings.Contains(err.Error(), reply.Message) {
		t.Errorf("error %q lacks the server's message %q", err, reply.Message)
	}
	if len(c.Deltas) != 0 {
		t.Errorf("deltas emitted for an error: %+v", c.Deltas)
	}
	if n := len(s.Requests()); n != 1 {
		t.Errorf("server got %d requests, want 1 (no SDK retries)", n)
	}
}

// CheckBadRequest checks that req fails as a bad request before anything
// is sent.
func (tg Target) CheckBadRequest(t *testing.T, req *llm.Request) {
	t.Helper()
	s := tg.Serve(t) // no request may reach it
	_, err := Stream(t, tg.New(t, s.URL), req)
	if e := AsError(t, err); e.Kind != llm.ErrBadRequest {
		t.Errorf("kind = %s, want bad_request", e.Kind)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}
}

// CheckRetryAfterHTTPDate checks that reply, made a 429 with a Retry-After
// date 90s ahead, gives a rate_limited error that asks for about 90s.
func (tg Target) CheckRetryAfterHTTPDate(t *testing.T, reply Reply) {
	t.Helper()
	reply.Status = http.StatusTooManyRequests
	reply.RetryAfter = time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	_, err := Stream(t, tg.New(t, tg.Serve(t, reply).URL), Hello())
	e := AsError(t, err)
	// The date has one-second resolution and some time passes in between.
	if e.Kind != llm.ErrRateLimited || e.RetryAfter < 80*time.Second || e.RetryAfter > 90*time.Second {
		t.Errorf("error = %+v, want rate_limited with about 90s", e)
	}
}

// CheckKeyRedacted checks that reply, an error whose message echoes key,
// gives an error without the key that keeps the message up to it.
func (tg Target) CheckKeyRedacted(t *testing.T, reply Reply, key string) {
	t.Helper()
	before, _, found := strings.Cut(reply.Message, key)
	if !found || key == "" {
		t.Fatalf("llmtest: the reply's message %q does not echo the key", reply.Message)
	}
	_, err := Stream(t, tg.New(t, tg.Serve(t, reply).URL), Hello())
	e := AsError(t, err)
	if strings.Contains(err.Error(), key) || strings.Contains(e.Err.Error(), key) {
		t.Errorf("error leaks the API key: %v", err)
	}
	if !strings.Contains(err.Error(), strings.TrimSpace(before)) {
		t.Errorf("error %q lost the server's message", err)
	}
}

// CheckBrokenStream checks that reply, a stream that breaks after some
// chunks, fails with an *llm.Error of kind that keeps the message of an
// error event, after the deltas before the break.
func (tg Target) CheckBrokenStream(t *testing.T, reply Reply, kind llm.ErrorKind) {
	t.Helper()
	c, err := Stream(t, tg.New(t, tg.Serve(t, reply).URL), Hello())
	if e := AsError(t, err); e.Kind != kind {
		t.Errorf("kind = %s, want %s: %v", e.Kind, kind, err)
	}
	if reply.Message != "" && !strings.Contains(err.Error(), reply.Message) {
		t.Errorf("error %q lacks the event's message %q", err, reply.Message)
	}
	if len(c.Deltas) == 0 {
		t.Errorf("the deltas before the break were not emitted")
	}
}
