package llmtest

import (
	"testing"
)

// NewOpenAI starts a server speaking the OpenAI Chat Completions streaming
// format at POST /v1/chat/completions. Its URL ends in /v1, as an
// OpenAI-compatible base URL does. The i-th request gets replies[i].
func NewOpenAI(t testing.TB, replies ...Reply) *Server {
	t.Helper()
	return newServer(t, dialect{
		path:      "/v1/chat/completions",
		baseURL:   func(root string) string { return root + "/v1" },
		errorBody: openAIError,
		stream:    openAIStream,
	}, replies)
}

func openAIError(r Reply) any {
	return map[string]any{"error": map[string]any{
		"message": r.Message, "type": r.ErrorType, "param": nil, "code": nil,
	}}
}

// openAIStream writes chat.completion.chunk events: a role chunk, one chunk
// per scripted piece, a chunk with the finish_reason, a usage chunk with no
// choices, and [DONE]. Tool call pieces carry id, type and name only when
// scripted (the first piece), as OpenAI sends them.
func openAIStream(sw *sseWriter, r Reply) {
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{
			"id": "chatcmpl-llmtest", "object": "chat.completion.chunk",
			"created": 1700000000, "model": "llmtest-model", "system_fingerprint": "fp_llmtest",
			"choices": []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}},
			"usage":   nil, // present and null on every chunk but the last with include_usage
		}
	}
	sw.event("", chunk(map[string]any{"role": "assistant", "content": "", "refusal": nil}, nil))
	for _, c := range r.Chunks {
		if c.Tool == nil {
			sw.event("", chunk(map[string]any{"content": c.Text}, nil))
			continue
		}
		call := map[string]any{"index": c.Tool.Index}
		fn := map[string]any{"arguments": c.Tool.Args}
		if c.Tool.ID != "" {
			call["id"] = c.Tool.ID
			call["type"] = "function"
		}
		if c.Tool.Name != "" {
			fn["name"] = c.Tool.Name
		}
		call["function"] = fn
		sw.event("", chunk(map[string]any{"tool_calls": []any{call}}, nil))
	}
	switch r.End {
	case Finish:
		stop := r.Stop
		if stop == "" {
			stop = "stop"
			if r.hasTools() {
				stop = "tool_calls"
			}
		}
		sw.event("", chunk(map[string]any{}, stop))
		if r.Usage != nil {
			sw.event("", map[string]any{
				"id": "chatcmpl-llmtest", "object": "chat.completion.chunk",
				"created": 1700000000, "model": "llmtest-model", "choices": []any{},
				"usage": map[string]any{
					"prompt_tokens":         r.Usage.InputTokens,
					"completion_tokens":     r.Usage.OutputTokens,
					"total_tokens":          r.Usage.InputTokens + r.Usage.OutputTokens,
					"prompt_tokens_details": map[string]any{"cached_tokens": r.Usage.CachedInputTokens},
				},
			})
		}
		sw.data("", "[DONE]")
	case StreamError:
		sw.event("", openAIError(r))
	}
}
