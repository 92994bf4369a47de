package agui

import (
	"encoding/json"
	"time"
)

// EventType names an AG-UI event.
type EventType string

// The event types agentd sends or understands.
const (
	RunStarted         EventType = "RUN_STARTED"
	RunFinished        EventType = "RUN_FINISHED"
	RunError           EventType = "RUN_ERROR"
	StepStarted        EventType = "STEP_STARTED"
	StepFinished       EventType = "STEP_FINISHED"
	TextMessageStart   EventType = "TEXT_MESSAGE_START"
	TextMessageContent EventType = "TEXT_MESSAGE_CONTENT"
	TextMessageEnd     EventType = "TEXT_MESSAGE_END"
	TextMessageChunk   EventType = "TEXT_MESSAGE_CHUNK"
	ToolCallStart      EventType = "TOOL_CALL_START"
	ToolCallArgs       EventType = "TOOL_CALL_ARGS"
	ToolCallEnd        EventType = "TOOL_CALL_END"
	ToolCallChunk      EventType = "TOOL_CALL_CHUNK"
	ToolCallResult     EventType = "TOOL_CALL_RESULT"
	StateSnapshot      EventType = "STATE_SNAPSHOT"
	StateDelta         EventType = "STATE_DELTA"
	MessagesSnapshot   EventType = "MESSAGES_SNAPSHOT"
	Custom             EventType = "CUSTOM"
	Raw                EventType = "RAW"
)

// Event is one AG-UI event. It is a flat struct: each type uses a subset of
// the fields and every optional field is omitted when empty, because the
// client rejects a null where it expects a value. STATE_DELTA carries its
// RFC 6902 operations in Patch, written as "delta" on the wire.
type Event struct {
	Type            EventType       `json:"type"`
	Timestamp       int64           `json:"timestamp,omitempty"`
	ThreadID        string          `json:"threadId,omitempty"`
	RunID           string          `json:"runId,omitempty"`
	ParentRunID     string          `json:"parentRunId,omitempty"`
	MessageID       string          `json:"messageId,omitempty"`
	Role            string          `json:"role,omitempty"`
	Delta           string          `json:"delta,omitempty"`
	ToolCallID      string          `json:"toolCallId,omitempty"`
	ToolCallName    string          `json:"toolCallName,omitempty"`
	ParentMessageID string          `json:"parentMessageId,omitempty"`
	Content         string          `json:"content,omitempty"`
	StepName        string          `json:"stepName,omitempty"`
	Snapshot        json.RawMessage `json:"snapshot,omitempty"`
	Messages        []Message       `json:"messages,omitempty"`
	Name            string          `json:"name,omitempty"`
	Value           json.RawMessage `json:"value,omitempty"`
	Message         string          `json:"message,omitempty"` // RUN_ERROR
	Code            string          `json:"code,omitempty"`    // RUN_ERROR
	Result          json.RawMessage `json:"result,omitempty"`
	Outcome         *Outcome        `json:"outcome,omitempty"`
	Patch           json.RawMessage `json:"-"`
}

// Outcome is RUN_FINISHED's outcome.
type Outcome struct {
	Type               string   `json:"type"` // success | interrupt | cancelled
	PendingToolCallIDs []string `json:"pendingToolCallIds,omitempty"`
}

type plainEvent Event

// wireEvent moves Patch to "delta" for STATE_DELTA.
type wireDelta struct {
	plainEvent
	Delta json.RawMessage `json:"delta,omitempty"`
}

// MarshalJSON writes the event; only STATE_DELTA needs a different shape.
func (e Event) MarshalJSON() ([]byte, error) {
	if e.Type != StateDelta {
		return json.Marshal(plainEvent(e))
	}
	return json.Marshal(wireDelta{plainEvent: plainEvent(e), Delta: e.Patch})
}

// UnmarshalJSON reads an event from any server: a "delta" that is not a
// string (STATE_DELTA, ACTIVITY_DELTA) lands in Patch.
func (e *Event) UnmarshalJSON(b []byte) error {
	var w wireDelta
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = Event(w.plainEvent)
	if len(w.Delta) > 0 && w.Delta[0] == '"' {
		return json.Unmarshal(w.Delta, &e.Delta)
	}
	e.Patch = w.Delta
	return nil
}

// Now returns the protocol's timestamp for this instant: epoch milliseconds.
func Now() int64 { return time.Now().UnixMilli() }
