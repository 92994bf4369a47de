package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/agentd/agentd/agent"
)

// bindArgs decodes a call's arguments strictly: a misspelled or invented
// field is reported to the model instead of being silently ignored.
func bindArgs(c agent.Call, v any) error {
	raw := bytes.TrimSpace(c.Args)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid arguments: %w", err)
	}
	if dec.More() {
		return fmt.Errorf("invalid arguments: trailing data after the JSON object")
	}
	return nil
}

// oneOf reports whether s is in allowed, and the list to quote in an error.
func oneOf(s string, allowed []string) (bool, string) {
	for _, a := range allowed {
		if s == a {
			return true, ""
		}
	}
	return false, strings.Join(allowed, ", ")
}
