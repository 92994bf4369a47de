package anthropic_test

import (
	"testing"
	"time"

	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/llmtest"
)

func TestStream_HTTPErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		reply      llmtest.Reply
		kind       llm.ErrorKind
		retryAfter time.Duration
	}{
		{"429 with Retry-After", llmtest.Reply{Status: 429, RetryAfter: "7", ErrorType: "rate_limit_error", Message: "Number of request tokens has exceeded your per-minute rate limit"},
			llm.ErrRateLimited, 7 * time.Second},
		{"500", llmtest.Reply{Status: 500, ErrorType: "api_error", Message: "Internal server error"},
			llm.ErrUnavailable, 0},
		{"529 overloaded", llmtest.Reply{Status: 529, ErrorType: "overloaded_error", Message: "Overloaded"},
			llm.ErrUnavailable, 0},
		{"502 with a plain-text body", llmtest.Reply{Status: 502, Raw: []byte("<html>Bad Gateway</html>")},
			llm.ErrUnavailable, 0},
		{"400", llmtest.Reply{Status: 400, ErrorType: "invalid_request_error", Message: "messages: roles must alternate"},
			llm.ErrBadRequest, 0},
		{"401", llmtest.Reply{Status: 401, ErrorType: "authentication_error", Message: "invalid x-api-key"},
			llm.ErrAuth, 0},
		{"403", llmtest.Reply{Status: 403, ErrorType: "permission_error", Message: "no access to this model"},
			llm.ErrAuth, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			target.CheckHTTPError(t, tt.reply, tt.kind, tt.retryAfter)
		})
	}
}

func TestStream_RetryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	target.CheckRetryAfterHTTPDate(t, llmtest.Reply{ErrorType: "rate_limit_error"})
}

func TestStream_APIKeyNeverInErrors(t *testing.T) {
	t.Parallel()
	target.CheckKeyRedacted(t, llmtest.Reply{Status: 401, ErrorType: "authentication_error", Message: "invalid x-api-key " + testKey}, testKey)
}

func TestStream_BrokenStreams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply llmtest.Reply
		kind  llm.ErrorKind
	}{
		{"connection cut mid-way", llmtest.Reply{Chunks: llmtest.Text("Hel", "lo"), End: llmtest.Cut}, llm.ErrStream},
		{"clean end without message_stop", llmtest.Reply{Chunks: llmtest.Text("Hel", "lo"), End: llmtest.EOF}, llm.ErrStream},
		{"cut inside a tool call", llmtest.Reply{Chunks: llmtest.ToolCall(0, "toolu_1", "f", `{"a":`), End: llmtest.Cut}, llm.ErrStream},
		{"overloaded error event", llmtest.Reply{Chunks: llmtest.Text("Hel"), End: llmtest.StreamError,
			ErrorType: "overloaded_error", Message: "Overloaded"}, llm.ErrUnavailable},
		{"rate limit error event", llmtest.Reply{Chunks: llmtest.Text("Hel"), End: llmtest.StreamError,
			ErrorType: "rate_limit_error", Message: "slow down"}, llm.ErrRateLimited},
		{"other error event", llmtest.Reply{Chunks: llmtest.Text("Hel"), End: llmtest.StreamError,
			ErrorType: "invalid_request_error", Message: "bad"}, llm.ErrStream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			target.CheckBrokenStream(t, tt.reply, tt.kind)
		})
	}
}
