package agui

import "fmt"

// Limits bounds what one RunAgentInput may carry; a zero field is no limit.
// A refusal names the limit by the `agentd serve` flag that sets it, so an
// operator reading the client's error knows what to raise.
type Limits struct {
	IDBytes      int // threadId, runId, message ids, tool call ids (--max-id-bytes)
	Messages     int // messages per request (--max-messages)
	MessageBytes int // one message, as Message.Size counts it (--max-message-bytes)
	Tools        int // tools per request (--max-tools)
	StateBytes   int // the state's JSON (--max-state-bytes)
}

// check applies l to in. Counts and ids are shape (422); sizes of a message
// or the state are too large (413).
func (l Limits) check(in *RunAgentInput) error {
	if err := l.id("threadId", in.ThreadID); err != nil {
		return err
	}
	if err := l.id("runId", in.RunID); err != nil {
		return err
	}
	if l.Messages > 0 && len(in.Messages) > l.Messages {
		return invalid("%d messages, over --max-messages %d", len(in.Messages), l.Messages)
	}
	if l.Tools > 0 && len(in.Tools) > l.Tools {
		return invalid("%d tools, over --max-tools %d", len(in.Tools), l.Tools)
	}
	if l.StateBytes > 0 && len(in.State) > l.StateBytes {
		return tooLarge("state is %d bytes, over --max-state-bytes %d", len(in.State), l.StateBytes)
	}
	for i := range in.Messages {
		m := &in.Messages[i]
		if err := l.id(fmt.Sprintf("messages[%d].id", i), m.ID); err != nil {
			return err
		}
		for j, tc := range m.ToolCalls {
			if err := l.id(fmt.Sprintf("messages[%d].toolCalls[%d].id", i, j), tc.ID); err != nil {
				return err
			}
		}
		if err := l.id(fmt.Sprintf("messages[%d].toolCallId", i), m.ToolCallID); err != nil {
			return err
		}
		if size := m.Size(); l.MessageBytes > 0 && size > l.MessageBytes {
			return tooLarge("messages[%d] is %d bytes, over --max-message-bytes %d", i, size, l.MessageBytes)
		}
	}
	return nil
}

func (l Limits) id(field, id string) error {
	if l.IDBytes > 0 && len(id) > l.IDBytes {
		return invalid("%s is %d bytes, over --max-id-bytes %d", field, len(id), l.IDBytes)
	}
	return nil
}

func tooLarge(format string, args ...any) *InputError {
	return &InputError{TooLarge: true, Msg: fmt.Sprintf(format, args...)}
}
