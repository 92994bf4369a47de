package agui_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/agentd/agentd/agui"
)

func TestMessageSizeIsItsJSONLength(t *testing.T) {
	for _, m := range []agui.Message{
		{},
		{ID: "u1", Role: "user", Content: agui.TextContent("hello there")},
		{ID: "u2", Role: "user", Content: json.RawMessage(`[{"type":"text","text":"hi"},{"type":"image","url":"x"}]`)},
		{ID: "a1", Role: "assistant", Name: "bot", ToolCalls: []agui.ToolCall{
			{ID: "c1", Type: "function", Function: agui.FunctionCall{Name: "search", Arguments: `{}`}},
			{ID: "c2", Function: agui.FunctionCall{Name: "x"}},
		}},
		{ID: "t1", Role: "tool", ToolCallID: "c1", Content: agui.TextContent("result"), Error: "failed"},
		{ID: "r1", Role: "reasoning", Content: agui.TextContent("hmm"), EncryptedValue: "abc"},
		{ID: "x1", Role: "activity", ActivityType: "plan", Content: json.RawMessage(`{"steps":[1,2]}`), Metadata: json.RawMessage(`{"k":"v"}`)},
	} {
		b, err := json.Marshal(&m)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Size(); got != len(b) {
			t.Errorf("Size of %s = %d, want %d", b, got, len(b))
		}
	}
}

func TestParseInputLimits(t *testing.T) {
	lim := agui.Limits{IDBytes: 16, Messages: 3, MessageBytes: 200, Tools: 2, StateBytes: 50}
	msg := func(id, text string) string {
		return `{"id":"` + id + `","role":"user","content":"` + text + `"}`
	}
	body := func(thread, state string, msgs []string, tools int) []byte {
		ts := make([]string, tools)
		for i := range ts {
			ts[i] = `{"name":"t` + strings.Repeat("x", i) + `"}`
		}
		return []byte(`{"threadId":"` + thread + `","runId":"r1","state":` + state +
			`,"messages":[` + strings.Join(msgs, ",") + `],"tools":[` + strings.Join(ts, ",") + `]}`)
	}
	three := []string{msg("a", "one"), msg("b", "two"), msg("c", "three")}
	if _, err := agui.ParseInput(body("t1", `{"a":1}`, three, 2), lim); err != nil {
		t.Fatalf("input at every limit refused: %v", err)
	}
	for _, tc := range []struct {
		name, body, want string
		tooLarge         bool
	}{
		{"long thread id", string(body(strings.Repeat("t", 17), `{}`, nil, 0)), "threadId is 17 bytes, over --max-id-bytes 16", false},
		{"long message id", string(body("t1", `{}`, []string{msg(strings.Repeat("m", 20), "x")}, 0)), "messages[0].id is 20 bytes, over --max-id-bytes 16", false},
		{"long tool call id", `{"threadId":"t","runId":"r","messages":[{"id":"a","role":"assistant","toolCalls":[{"id":"` +
			strings.Repeat("c", 17) + `","type":"function","function":{"name":"f","arguments":"{}"}}]}]}`,
			"messages[0].toolCalls[0].id is 17 bytes, over --max-id-bytes 16", false},
		{"too many messages", string(body("t1", `{}`, append(three, msg("d", "four")), 0)), "4 messages, over --max-messages 3", false},
		{"too many tools", string(body("t1", `{}`, nil, 3)), "3 tools, over --max-tools 2", false},
		{"large message", string(body("t1", `{}`, []string{msg("a", "b"), msg("b", strings.Repeat("x", 200))}, 0)),
			"messages[1] is 237 bytes, over --max-message-bytes 200", true},
		{"large state", string(body("t1", `{"k":"`+strings.Repeat("s", 50)+`"}`, nil, 0)), "state is 58 bytes, over --max-state-bytes 50", true},
	} {
		_, err := agui.ParseInput([]byte(tc.body), lim)
		var ie *agui.InputError
		if !errors.As(err, &ie) || ie.Msg != tc.want || ie.TooLarge != tc.tooLarge || ie.Syntax {
			t.Errorf("%s: got %#v, want %q (too large: %v)", tc.name, err, tc.want, tc.tooLarge)
		}
		if _, err := agui.ParseInput([]byte(tc.body), agui.Limits{}); err != nil {
			t.Errorf("%s: refused without limits: %v", tc.name, err)
		}
	}
}
