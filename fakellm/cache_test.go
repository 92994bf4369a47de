package fakellm_test

import (
	"context"
	"testing"

	"github.com/agentd/agentd/fakellm"
)

// A conversation's next turn repeats its earlier messages: those count as
// cached input, a new conversation's do not.
func TestUsage_CachedPrefix(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{ReplyTokens: 3})
	usage := func(msgs ...any) (prompt, cached int) {
		t.Helper()
		body := map[string]any{"model": "gpt-test", "stream": true, "messages": msgs,
			"stream_options": map[string]any{"include_usage": true}}
		res := streamChat(context.Background(), t, url, body, nil)
		last := res.chunks[len(res.chunks)-1]
		if last.Usage == nil {
			t.Fatalf("no usage chunk: %+v", last)
		}
		return last.Usage.PromptTokens, last.Usage.Details.CachedTokens
	}
	sys := map[string]any{"role": "system", "content": "you are a helpful bot"}
	u1 := map[string]any{"role": "user", "content": "what is the weather"}
	a1 := map[string]any{"role": "assistant", "content": "sunny and warm"}
	u2 := map[string]any{"role": "user", "content": "and tomorrow"}
	if p, c := usage(sys, u1); p != 9 || c != 0 {
		t.Errorf("first turn: prompt %d cached %d, want 9 and 0", p, c)
	}
	if p, c := usage(sys, u1, a1, u2); p != 14 || c != 9 {
		t.Errorf("second turn: prompt %d cached %d, want 14 and 9", p, c)
	}
	other := map[string]any{"role": "user", "content": "something else entirely"}
	if p, c := usage(sys, other); p != 8 || c != 5 {
		t.Errorf("same instructions, new question: prompt %d cached %d, want 8 and 5 (the system message)", p, c)
	}
	if p, c := usage(map[string]any{"role": "system", "content": "another bot"}, u1); p != 6 || c != 0 {
		t.Errorf("new conversation: prompt %d cached %d, want 6 and 0", p, c)
	}
}
