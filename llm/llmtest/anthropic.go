package llmtest

import (
	"testing"
)

// NewAnthropic starts a server speaking the Anthropic Messages streaming
// format at POST /v1/messages. Its URL is the server root, as the SDK's base
// URL is. The i-th request gets replies[i].
func NewAnthropic(t testing.TB, replies ...Reply) *Server {
	t.Helper()
	return newServer(t, dialect{
		path:      "/v1/messages",
		baseURL:   func(root string) string { return root },
		errorBody: anthropicError,
		stream:    anthropicStream,
	}, replies)
}

func anthropicError(r Reply) any {
	return map[string]any{
		"type":       "error",
		"error":      map[string]any{"type": r.ErrorType, "message": r.Message},
		"request_id": "req_llmtest",
	}
}

// anthropicStream writes message_start, a ping, one content block per run
// of text chunks or per tool call (content_block_start, deltas,
// content_block_stop), message_delta with the stop reason and output
// tokens, and message_stop. A tool_use block starts with its id and name
// and an empty input; every argument fragment is an input_json_delta.
func anthropicStream(sw *sseWriter, r Reply) {
	// The wire's input_tokens leaves out the cache reads, which Usage
	// counts as input.
	var in, out, cached int
	startOut := 0
	if r.Usage != nil {
		in, out, cached, startOut = r.Usage.InputTokens-r.Usage.CachedInputTokens, r.Usage.OutputTokens, r.Usage.CachedInputTokens, 1
	}
	sw.event("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": "msg_llmtest", "type": "message", "role": "assistant", "model": "llmtest-model",
		"content": []any{}, "stop_reason": nil, "stop_sequence": nil,
		"usage": map[string]any{
			"input_tokens": in, "output_tokens": startOut,
			"cache_creation_input_tokens": 0, "cache_read_input_tokens": cached,
		},
	}})
	sw.event("ping", map[string]any{"type": "ping"})

	block, kind, toolIndex := -1, "", 0
	closeBlock := func() {
		if kind != "" {
			sw.event("content_block_stop", map[string]any{"type": "content_block_stop", "index": block})
		}
	}
	delta := func(d map[string]any) {
		sw.event("content_block_delta", map[string]any{"type": "content_block_delta", "index": block, "delta": d})
	}
	for _, c := range r.Chunks {
		if c.Tool == nil {
			if kind != "text" {
				closeBlock()
				block, kind = block+1, "text"
				sw.event("content_block_start", map[string]any{"type": "content_block_start", "index": block,
					"content_block": map[string]any{"type": "text", "text": ""}})
			}
			delta(map[string]any{"type": "text_delta", "text": c.Text})
			continue
		}
		if kind != "tool" || toolIndex != c.Tool.Index {
			closeBlock()
			block, kind, toolIndex = block+1, "tool", c.Tool.Index
			sw.event("content_block_start", map[string]any{"type": "content_block_start", "index": block,
				"content_block": map[string]any{"type": "tool_use", "id": c.Tool.ID, "name": c.Tool.Name, "input": map[string]any{}}})
		}
		delta(map[string]any{"type": "input_json_delta", "partial_json": c.Tool.Args})
	}

	switch r.End {
	case Finish:
		closeBlock()
		stop := r.Stop
		if stop == "" {
			stop = "end_turn"
			if r.hasTools() {
				stop = "tool_use"
			}
		}
		sw.event("message_delta", map[string]any{"type": "message_delta",
			"delta": map[string]any{"stop_reason": stop, "stop_sequence": nil},
			"usage": map[string]any{"output_tokens": out}})
		sw.event("message_stop", map[string]any{"type": "message_stop"})
	case StreamError:
		sw.event("error", map[string]any{"type": "error",
			"error": map[string]any{"type": r.ErrorType, "message": r.Message}})
	}
}
