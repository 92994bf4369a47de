package agentfile_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	"go.yaml.in/yaml/v3"
)

// The JSON Schema published for editors accepts what the loader accepts
// and refuses what it refuses.
func TestTheSchemaMatchesTheFormat(t *testing.T) {
	raw, err := os.ReadFile("agents.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("../examples/agents.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, tt := range map[string]struct {
		doc   string
		valid bool
	}{
		"examples/agents.yaml": {string(example), true},
		"the issue's example": {`agents:
  - name: calc
    description: Adds numbers
    model: sim
    instructions: You add numbers.
    max_steps: 8
    tools: [query_data]
    mcp:
      - name: math
        command: [python3, math_server.py]
        env: {MODE: fast}
      - name: search
        url: http://127.0.0.1:9000/mcp
        headers: {Authorization: "Bearer ${SEARCH_TOKEN}"}
  - name: legacy
    remote: [http://127.0.0.1:8000/, http://127.0.0.1:8001/]
default_agent: calc
`, true},
		"unknown field":    {"agents:\n  - name: a\n    instruction: x\n", false},
		"no agents":        {"default_agent: a\n", false},
		"bad name":         {"agents:\n  - name: a/b\n", false},
		"both prompts":     {"agents:\n  - name: a\n    instructions: x\n    instructions_file: y\n", false},
		"two transports":   {"agents:\n  - name: a\n    mcp:\n      - {name: m, command: [x], url: http://h/}\n", false},
		"no transport":     {"agents:\n  - name: a\n    mcp:\n      - {name: m}\n", false},
		"env over HTTP":    {"agents:\n  - name: a\n    mcp:\n      - {name: m, url: http://h/, env: {A: b}}\n", false},
		"negative steps":   {"agents:\n  - name: a\n    max_steps: -1\n", false},
		"bad url scheme":   {"agents:\n  - name: a\n    mcp:\n      - {name: m, url: ftp://h/}\n", false},
		"headers on stdio": {"agents:\n  - name: a\n    mcp:\n      - {name: m, command: [x], headers: {A: b}}\n", false},
	} {
		t.Run(name, func(t *testing.T) {
			var v any
			if err := yaml.Unmarshal([]byte(tt.doc), &v); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(v) // the instance as JSON values
			var inst any
			if err := json.Unmarshal(b, &inst); err != nil {
				t.Fatal(err)
			}
			err := rs.Validate(inst)
			if tt.valid && err != nil {
				t.Errorf("the schema refuses it: %v", err)
			}
			if !tt.valid && err == nil {
				t.Error("the schema accepts it")
			}
		})
	}
}
