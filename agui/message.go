package agui

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Roles of a message.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
	RoleSystem    = "system"
	RoleDeveloper = "developer"
	RoleReasoning = "reasoning"
	RoleActivity  = "activity"
)

// Message is one AG-UI message. Content stays raw JSON because it may be a
// string or an array of content parts (user and tool messages), or an
// object (activity messages); it round-trips unchanged.
type Message struct {
	ID             string          `json:"id"`
	Role           string          `json:"role"`
	Content        json.RawMessage `json:"content,omitempty"`
	Name           string          `json:"name,omitempty"`
	ToolCalls      []ToolCall      `json:"toolCalls,omitempty"`
	ToolCallID     string          `json:"toolCallId,omitempty"`
	Error          string          `json:"error,omitempty"`
	EncryptedValue string          `json:"encryptedValue,omitempty"`
	ActivityType   string          `json:"activityType,omitempty"`
	Metadata       json.RawMessage `json:"metadata,omitempty"`
}

// ToolCall is a call an assistant message makes.
type ToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"` // always "function"
	Function FunctionCall `json:"function"`
}

// FunctionCall names the function and carries its arguments as a JSON string.
type FunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// ContentPart is one element of an array content.
type ContentPart struct {
	Type string `json:"type"`
	Text string `json:"text,omitempty"`
}

// TextContent encodes s as a JSON string content.
func TextContent(s string) json.RawMessage {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}

// Text returns the message's text: the string content, or the text parts of
// an array content joined by newlines. Non-text parts are skipped.
func (m *Message) Text() string {
	c := bytes.TrimSpace(m.Content)
	if len(c) == 0 || string(c) == "null" {
		return ""
	}
	switch c[0] {
	case '"':
		var s string
		if json.Unmarshal(c, &s) == nil {
			return s
		}
	case '[':
		var parts []ContentPart
		if json.Unmarshal(c, &parts) == nil {
			var texts []string
			for _, p := range parts {
				if p.Type == "text" {
					texts = append(texts, p.Text)
				}
			}
			return strings.Join(texts, "\n")
		}
	}
	return ""
}

// Size is the length of the message's JSON as json.Marshal writes it,
// counting each string as if it needed no escapes and raw fields as given:
// exact for most messages, a little under for text full of quotes or
// control characters. It encodes nothing, so a limit on it costs a few
// additions per message, even over a long stored history.
func (m *Message) Size() int {
	n, fields := 0, 0
	str := func(key, v string, always bool) {
		if v != "" || always {
			n += len(key) + len(v) + 5 // "key":"v"
			fields++
		}
	}
	raw := func(key string, v json.RawMessage) {
		if len(v) > 0 {
			n += len(key) + len(v) + 3 // "key":v
			fields++
		}
	}
	str("id", m.ID, true)
	str("role", m.Role, true)
	raw("content", m.Content)
	str("name", m.Name, false)
	if len(m.ToolCalls) > 0 {
		n += len(`"toolCalls":[]`) + len(m.ToolCalls) - 1
		fields++
		for _, tc := range m.ToolCalls {
			n += len(`{"id":"","type":"","function":{"name":"","arguments":""}}`) +
				len(tc.ID) + len(tc.Type) + len(tc.Function.Name) + len(tc.Function.Arguments)
		}
	}
	str("toolCallId", m.ToolCallID, false)
	str("error", m.Error, false)
	str("encryptedValue", m.EncryptedValue, false)
	str("activityType", m.ActivityType, false)
	raw("metadata", m.Metadata)
	return n + 2 + max(fields-1, 0) // {} and commas
}
