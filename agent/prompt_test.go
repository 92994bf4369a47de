package agent

import (
	"strings"
	"testing"

	"github.com/agentd/agentd/agui"
)

func call(id, name string) agui.ToolCall {
	return agui.ToolCall{ID: id, Type: "function", Function: agui.FunctionCall{Name: name, Arguments: "{}"}}
}

func text(id, role, s string) agui.Message {
	return agui.Message{ID: id, Role: role, Content: agui.TextContent(s)}
}

func shape(msgs []agui.Message) string {
	var parts []string
	for _, m := range msgs {
		s := m.Role
		for _, tc := range m.ToolCalls {
			s += "(" + tc.ID + ")"
		}
		if m.Role == agui.RoleTool {
			s += "[" + m.ToolCallID + "]"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestModelMessagesAlwaysConsistent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		history []agui.Message
		want    string
	}{
		{"plain", []agui.Message{text("u", "user", "hi"), text("a", "assistant", "yo")}, "user assistant"},
		{"call then result", []agui.Message{text("u", "user", "hi"),
			{ID: "a", Role: "assistant", ToolCalls: []agui.ToolCall{call("c1", "f")}},
			{ID: "t", Role: "tool", ToolCallID: "c1", Content: agui.TextContent("r")}}, "user assistant(c1) tool[c1]"},
		{"dropped result gets a placeholder", []agui.Message{text("u", "user", "hi"),
			{ID: "a", Role: "assistant", ToolCalls: []agui.ToolCall{call("c1", "f")}}, text("u2", "user", "again")},
			"user assistant(c1) tool[c1] user"},
		{"orphan result is dropped", []agui.Message{text("u", "user", "hi"),
			{ID: "t", Role: "tool", ToolCallID: "nope", Content: agui.TextContent("r")}, text("u2", "user", "x")}, "user user"},
		{"late result moves next to its call", []agui.Message{
			{ID: "a", Role: "assistant", ToolCalls: []agui.ToolCall{call("c1", "f"), call("c2", "g")}},
			text("u", "user", "meanwhile"),
			{ID: "t2", Role: "tool", ToolCallID: "c2", Content: agui.TextContent("r2")}},
			"assistant(c1)(c2) tool[c1] tool[c2] user"},
		{"duplicate result and repeated call id", []agui.Message{
			{ID: "a", Role: "assistant", ToolCalls: []agui.ToolCall{call("c1", "f")}},
			{ID: "t1", Role: "tool", ToolCallID: "c1", Content: agui.TextContent("r")},
			{ID: "t1b", Role: "tool", ToolCallID: "c1", Content: agui.TextContent("r again")},
			{ID: "a2", Role: "assistant", ToolCalls: []agui.ToolCall{call("c1", "f")}}},
			"assistant(c1) tool[c1]"},
		{"empty assistant dropped", []agui.Message{{ID: "a", Role: "assistant"}, text("u", "user", "x")}, "user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shape(modelMessages(tt.history)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
