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
