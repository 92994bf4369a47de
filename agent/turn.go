package agent

import (
	"strings"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm"
)

// turn turns one model stream into AG-UI events and the assistant message
// it amounts to. Text and tool calls share the message id, so the client
// folds them into one assistant message.
type turn struct {
	id       string
	newID    func() string
	sink     Sink
	text     strings.Builder
	textOpen bool
	calls    []agui.ToolCall
	open     int // index in calls of the open tool call, or -1
	byIndex  map[int]int
	ev       agui.Event // the event being emitted: one per token, so reused
	usage    *llm.Usage // as the provider reported it, nil when it did not
}

func newTurn(id string, newID func() string, sink Sink) *turn {
	return &turn{id: id, newID: newID, sink: sink, open: -1, byIndex: map[int]int{}}
}

func (t *turn) emit(ev agui.Event) error {
	if !streamed(ev.Type) {
		ev.Timestamp = agui.Now()
	}
	t.ev = ev
	return t.sink.Emit(&t.ev)
}

// streamed reports the per-token events, which carry no timestamp (it is
// optional): a run's log holds hundreds of them, and their start and end
// events are stamped.
func streamed(t agui.EventType) bool {
	return t == agui.TextMessageContent || t == agui.ToolCallArgs
}

// add handles one delta from the provider.
func (t *turn) add(d llm.Delta) error {
	if d.Text != "" {
		if err := t.closeCall(); err != nil {
			return err
		}
		if !t.textOpen {
			t.textOpen = true
			if err := t.emit(agui.Event{Type: agui.TextMessageStart, MessageID: t.id, Role: agui.RoleAssistant}); err != nil {
				return err
			}
		}
		t.text.WriteString(d.Text)
		return t.emit(agui.Event{Type: agui.TextMessageContent, MessageID: t.id, Delta: d.Text})
	}
	if d.ToolCall != nil {
		return t.addCall(d.ToolCall)
	}
	if d.Usage != nil {
		u := *d.Usage
		t.usage = &u
	}
	return nil
}

func (t *turn) addCall(d *llm.ToolCallDelta) error {
	at, seen := t.byIndex[d.Index]
	if !seen {
		if err := t.closeText(); err != nil {
			return err
		}
		if err := t.closeCall(); err != nil {
			return err
		}
		id := d.ID
		if id == "" {
			id = t.newID()
		}
		t.calls = append(t.calls, agui.ToolCall{ID: id, Type: "function", Function: agui.FunctionCall{Name: d.Name}})
		at = len(t.calls) - 1
		t.byIndex[d.Index], t.open = at, at
		if err := t.emit(agui.Event{Type: agui.ToolCallStart, ToolCallID: id, ToolCallName: d.Name, ParentMessageID: t.id}); err != nil {
			return err
		}
	}
	if d.Args == "" || at != t.open {
		return nil // a late fragment of a closed call cannot be streamed; providers do not send one
	}
	t.calls[at].Function.Arguments += d.Args
	return t.emit(agui.Event{Type: agui.ToolCallArgs, ToolCallID: t.calls[at].ID, Delta: d.Args})
}

func (t *turn) closeText() error {
	if !t.textOpen {
		return nil
	}
	t.textOpen = false
	return t.emit(agui.Event{Type: agui.TextMessageEnd, MessageID: t.id})
}

func (t *turn) closeCall() error {
	if t.open < 0 {
		return nil
	}
	id := t.calls[t.open].ID
	t.open = -1
	return t.emit(agui.Event{Type: agui.ToolCallEnd, ToolCallID: id})
}

// close ends whatever is still open, so a run that stops here leaves a
// well-formed stream.
func (t *turn) close() error {
	if err := t.closeText(); err != nil {
		return err
	}
	return t.closeCall()
}

// message is the assistant message the turn produced.
func (t *turn) message() agui.Message {
	m := agui.Message{ID: t.id, Role: agui.RoleAssistant, ToolCalls: t.calls}
	if t.text.Len() > 0 || len(t.calls) == 0 {
		m.Content = agui.TextContent(t.text.String())
	}
	for i := range m.ToolCalls {
		if m.ToolCalls[i].Function.Arguments == "" {
			m.ToolCalls[i].Function.Arguments = "{}"
		}
	}
	return m
}
