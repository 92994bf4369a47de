package agent_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/agui"
)

// scribbler copies each event, then writes over it, as a sink may while it
// has it: nothing it writes may show in the next event.
type scribbler struct {
	*recorder
}

func (s *scribbler) Emit(ev *agui.Event) error {
	err := s.recorder.Emit(ev)
	*ev = agui.Event{Type: agui.RunError, Timestamp: 1, Role: "x", Content: "x", ToolCallID: "x", Messages: []agui.Message{{ID: "x"}}}
	return err
}

func TestRun_SinkMayScribbleOnAnEvent(t *testing.T) {
	t.Parallel()
	a := &agent.Agent{Name: "a", Model: textModel{deltas: []string{"Hel", "lo"}}}
	in := agent.Input{History: []agui.Message{{ID: "u1", Role: "user", Content: agui.TextContent("hi")}},
		State: json.RawMessage(`{}`), NewID: func() string { return "m1" }}
	s := &scribbler{recorder: newRecorder()}
	if _, err := a.Run(context.Background(), in, s); err != nil || s.err != nil {
		t.Fatalf("run: %v, events: %v", err, s.err)
	}
	if got := s.types(); got != "TEXT_MESSAGE_START TEXT_MESSAGE_CONTENT TEXT_MESSAGE_CONTENT TEXT_MESSAGE_END" {
		t.Fatalf("events %s", got)
	}
	for i, want := range []agui.Event{
		{Type: agui.TextMessageStart, MessageID: "m1", Role: agui.RoleAssistant},
		{Type: agui.TextMessageContent, MessageID: "m1", Delta: "Hel"},
		{Type: agui.TextMessageContent, MessageID: "m1", Delta: "lo"},
		{Type: agui.TextMessageEnd, MessageID: "m1"},
	} {
		got := s.events[i]
		if got.Type != agui.TextMessageContent {
			if got.Timestamp == 0 || got.Timestamp == 1 {
				t.Errorf("event %d: timestamp %d, want the loop's", i, got.Timestamp)
			}
			got.Timestamp = 0
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("event %d: %+v, want %+v", i, got, want)
		}
	}
}
