package history_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/history"
)

func msg(id, role, text string) agui.Message {
	return agui.Message{ID: id, Role: role, Content: agui.TextContent(text)}
}

func ids(msgs []agui.Message) []string {
	out := []string{}
	for _, m := range msgs {
		out = append(out, m.ID)
	}
	return out
}

var stored = []agui.Message{
	msg("u1", "user", "hi"), msg("a1", "assistant", "hello"),
	msg("u2", "user", "how are you"), msg("a2", "assistant", "fine"),
}

func TestMerge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		client   []agui.Message
		want     []string
		reason   string
		truncate int
	}{
		{"full history plus new", append(stored[:4:4], msg("u3", "user", "bye")), []string{"u1", "a1", "u2", "a2", "u3"}, "append", -1},
		{"only the new message", []agui.Message{msg("u3", "user", "bye")}, []string{"u1", "a1", "u2", "a2", "u3"}, "append", -1},
		{"stream dropped: client lacks a2", []agui.Message{stored[0], stored[1], stored[2], msg("u3", "user", "again?")}, []string{"u1", "a1", "u2", "a2", "u3"}, "append", -1},
		{"client holds unknown assistant id", []agui.Message{stored[0], msg("ghost", "assistant", "partial"), msg("u3", "user", "next")}, []string{"u1", "a1", "u2", "a2", "ghost", "u3"}, "append", -1},
		{"edit of u2", []agui.Message{stored[0], stored[1], msg("u2", "user", "how old are you")}, []string{"u1", "a1", "u2"}, "edit", 2},
		{"edit of u1 drops the rest", []agui.Message{msg("u1", "user", "hey"), msg("u9", "user", "more")}, []string{"u1", "u9"}, "edit", 0},
		{"regenerate from u2", stored[:3], []string{"u1", "a1", "u2"}, "regenerate", 3},
		{"same history: nothing new", stored, []string{"u1", "a1", "u2", "a2"}, "append", -1},
		{"empty", nil, []string{"u1", "a1", "u2", "a2"}, "append", -1},
		{"prefix ending with assistant is not a regenerate", stored[:2], []string{"u1", "a1", "u2", "a2"}, "append", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := history.Merge(stored, tt.client)
			if got := ids(p.Apply(stored)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("history = %v, want %v", got, tt.want)
			}
			if p.Reason != tt.reason || p.TruncateAt != tt.truncate {
				t.Errorf("reason %q truncate %d, want %q %d", p.Reason, p.TruncateAt, tt.reason, tt.truncate)
			}
		})
	}
}

func TestMergeKeepsInstructionsOut(t *testing.T) {
	t.Parallel()
	client := []agui.Message{msg("s", "system", "be brief"), msg("d", "developer", "use metric units"),
		{ID: "act", Role: "activity", ActivityType: "x", Content: json.RawMessage(`{}`)}, msg("u3", "user", "q")}
	p := history.Merge(stored, client)
	if !reflect.DeepEqual(p.Instructions, []string{"be brief", "use metric units"}) {
		t.Errorf("instructions = %v", p.Instructions)
	}
	if got := ids(p.Append); !reflect.DeepEqual(got, []string{"u3"}) {
		t.Errorf("append = %v, want [u3]", got)
	}
}

func TestMergeToolResultAfterFrontendCall(t *testing.T) {
	t.Parallel()
	call := agui.Message{ID: "a3", Role: "assistant", ToolCalls: []agui.ToolCall{{ID: "tc1", Type: "function", Function: agui.FunctionCall{Name: "showNotice", Arguments: "{}"}}}}
	st := append(stored[:4:4], msg("u3", "user", "notify me"), call)
	client := append(st[:6:6], agui.Message{ID: "t1", Role: "tool", ToolCallID: "tc1", Content: agui.TextContent("shown")})
	p := history.Merge(st, client)
	if p.Reason != "append" || !reflect.DeepEqual(ids(p.Append), []string{"t1"}) {
		t.Fatalf("plan = %+v", p)
	}
}
