package openai_test

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
			target.CheckHTTPError(t, tt.reply, tt.kind, tt.retryAfter)
		})
	}
}

func TestStream_RetryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	target.CheckRetryAfterHTTPDate(t, llmtest.Reply{})
}

func TestStream_APIKeyNeverInErrors(t *testing.T) {
	t.Parallel()
	target.CheckKeyRedacted(t, llmtest.Reply{Status: 401, Message: "Incorrect API key provided: " + testKey}, testKey)
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
			target.CheckBrokenStream(t, tt.reply, llm.ErrStream)
		})
	}
}
