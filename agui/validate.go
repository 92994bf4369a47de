package agui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// InputError says why a request body is not an acceptable RunAgentInput.
// Syntax is true when the body is not JSON at all (HTTP 400), TooLarge when
// a part of it is over a size limit (HTTP 413); otherwise it is JSON of the
// wrong shape or over a count limit (HTTP 422).
type InputError struct {
	Syntax   bool
	TooLarge bool
	Msg      string
}

func (e *InputError) Error() string { return e.Msg }

func invalid(format string, args ...any) *InputError {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

// ParseInput decodes and validates a RunAgentInput, within lim. Unknown
// fields are ignored, as the protocol asks. A "null" state or
// forwardedProps counts as absent.
func ParseInput(body []byte, lim Limits) (*RunAgentInput, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var in RunAgentInput
	if err := dec.Decode(&in); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, invalid("field %q: expected %s, got JSON %s", typeErr.Field, typeErr.Type, typeErr.Value)
		}
		if errors.Is(err, io.EOF) {
			return nil, &InputError{Syntax: true, Msg: "empty body"}
		}
		return nil, &InputError{Syntax: true, Msg: "malformed JSON: " + err.Error()}
	}
	if dec.More() {
		return nil, &InputError{Syntax: true, Msg: "malformed JSON: data after the object"}
	}
	if isNull(in.State) {
		in.State = nil
	}
	if isNull(in.ForwardedProps) {
		in.ForwardedProps = nil
	}
	// The limits first: they are cheap, and spare validating what is refused.
	if err := lim.check(&in); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return &in, nil
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// Validate checks what the protocol requires of a RunAgentInput.
func (in *RunAgentInput) Validate() error {
	if in.ThreadID == "" {
		return invalid("threadId is required")
	}
	if in.RunID == "" {
		return invalid("runId is required")
	}
	if in.Messages == nil {
		return invalid("messages is required (an array, possibly empty)")
	}
	seen := make(map[string]bool, len(in.Messages))
	for i := range in.Messages {
		m := &in.Messages[i]
		if err := m.Validate(); err != nil {
			return invalid("messages[%d]: %s", i, err.Error())
		}
		if seen[m.ID] {
			return invalid("messages[%d]: duplicate id %q", i, m.ID)
		}
		seen[m.ID] = true
	}
	names := make(map[string]bool, len(in.Tools))
	for i, t := range in.Tools {
		if t.Name == "" {
			return invalid("tools[%d]: name is required", i)
		}
		if names[t.Name] {
			return invalid("tools[%d]: duplicate name %q", i, t.Name)
		}
		names[t.Name] = true
		if len(t.Parameters) > 0 && !isNull(t.Parameters) && bytes.TrimSpace(t.Parameters)[0] != '{' {
			return invalid("tools[%d]: parameters must be a JSON Schema object", i)
		}
	}
	return nil
}

// Validate checks one message's fields against its role.
func (m *Message) Validate() error {
	if m.ID == "" {
		return errors.New("id is required")
	}
	switch m.Role {
	case RoleUser:
		return contentKind(m.Content, true, true, false)
	case RoleAssistant:
		for j, tc := range m.ToolCalls {
			if tc.ID == "" || tc.Function.Name == "" {
				return fmt.Errorf("toolCalls[%d]: id and function.name are required", j)
			}
		}
		return contentKind(m.Content, true, false, true)
	case RoleTool:
		if m.ToolCallID == "" {
			return errors.New("toolCallId is required for a tool message")
		}
		return contentKind(m.Content, true, true, false)
	case RoleSystem, RoleDeveloper, RoleReasoning:
		return contentKind(m.Content, true, false, false)
	case RoleActivity:
		return nil
	case "":
		return errors.New("role is required")
	default:
		return fmt.Errorf("unknown role %q", m.Role)
	}
}

// contentKind checks that content is a string, or (when parts) an array of
// content parts, or (when optional) absent or null.
func contentKind(c json.RawMessage, str, parts, optional bool) error {
	c = bytes.TrimSpace(c)
	if len(c) == 0 || string(c) == "null" {
		if optional {
			return nil
		}
		return errors.New("content is required")
	}
	switch {
	case str && c[0] == '"':
		return nil
	case parts && c[0] == '[':
		var ps []map[string]json.RawMessage
		if err := json.Unmarshal(c, &ps); err != nil {
			return errors.New("content parts must be objects")
		}
		for k, p := range ps {
			var typ string
			if json.Unmarshal(p["type"], &typ) != nil || typ == "" {
				return fmt.Errorf("content[%d]: type is required", k)
			}
		}
		return nil
	}
	if parts {
		return errors.New("content must be a string or an array of content parts")
	}
	return errors.New("content must be a string")
}
