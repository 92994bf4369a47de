package sim

import (
	"encoding/json"
)

// schema is the part of a JSON Schema sim reads to invent arguments.
type schema struct {
	Type       any                `json:"type"`
	Properties map[string]*schema `json:"properties"`
	Required   []string           `json:"required"`
	Enum       []any              `json:"enum"`
	Items      *schema            `json:"items"`
}

// exampleArgs returns a JSON object with every required property of the
// schema set to a plausible value; strings get the user's text.
func exampleArgs(params json.RawMessage, text string) string {
	var s schema
	if len(params) == 0 || json.Unmarshal(params, &s) != nil {
		return "{}"
	}
	b, err := json.Marshal(s.example(text))
	if err != nil {
		return "{}"
	}
	return string(b)
}

func (s *schema) example(text string) any {
	if s == nil {
		return text
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	typ, _ := s.Type.(string)
	if list, ok := s.Type.([]any); ok && len(list) > 0 {
		typ, _ = list[0].(string)
	}
	switch typ {
	case "object":
		obj := map[string]any{}
		for _, name := range s.Required {
			obj[name] = s.Properties[name].example(text)
		}
		return obj
	case "array":
		if s.Items == nil {
			return []any{}
		}
		return []any{s.Items.example(text)}
	case "integer", "number":
		return 1
	case "boolean":
		return true
	default:
		return text
	}
}
