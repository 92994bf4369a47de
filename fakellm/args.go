package fakellm

import (
	"encoding/json"
	"math/rand/v2"
	"sort"
)

// toolArgs builds arguments that satisfy the simple parts of a JSON Schema:
// every required property (or every property, when none is required) gets
// a value of its declared type, so agents that validate arguments accept
// them.
func toolArgs(schema json.RawMessage, rng *rand.Rand) string {
	var s struct {
		Properties map[string]struct {
			Type any   `json:"type"`
			Enum []any `json:"enum"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	_ = json.Unmarshal(schema, &s) // a schema we cannot read gets the fallback below
	names := s.Required
	if len(names) == 0 {
		for name := range s.Properties {
			names = append(names, name)
		}
		sort.Strings(names) // map order would make the output nondeterministic
	}
	args := make(map[string]any, len(names))
	for _, name := range names {
		p := s.Properties[name]
		if len(p.Enum) > 0 {
			args[name] = p.Enum[rng.IntN(len(p.Enum))]
			continue
		}
		typ, _ := p.Type.(string)
		if list, ok := p.Type.([]any); ok && len(list) > 0 {
			typ, _ = list[0].(string)
		}
		args[name] = sampleValue(typ, rng)
	}
	if len(s.Properties) == 0 && len(s.Required) == 0 {
		args["input"] = sampleValue("string", rng)
	}
	b, _ := json.Marshal(args) // maps of plain values always marshal
	return string(b)
}

func sampleValue(typ string, rng *rand.Rand) any {
	switch typ {
	case "integer":
		return rng.IntN(100)
	case "number":
		return float64(rng.IntN(10000)) / 100
	case "boolean":
		return rng.IntN(2) == 1
	case "array":
		return []any{}
	case "object":
		return map[string]any{}
	case "null":
		return nil
	}
	return words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))]
}

// corruptJSON cuts the closing brace and adds a dangling key, the way a
// model that stops mid-call leaves its arguments.
func corruptJSON(args string) string {
	if len(args) > 0 && args[len(args)-1] == '}' {
		args = args[:len(args)-1]
	}
	return args + `, "unterminated`
}

// splitN cuts s into at most n pieces of nearly equal length, on byte
// boundaries that keep UTF-8 sequences whole.
func splitN(s string, n int) []string {
	if n < 1 || len(s) == 0 {
		return []string{s}
	}
	size := (len(s) + n - 1) / n
	var out []string
	for len(s) > 0 {
		cut := min(size, len(s))
		for cut < len(s) && s[cut]&0xC0 == 0x80 {
			cut++
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return out
}
