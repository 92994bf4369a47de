package demo_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/agentd/agentd/agent/demo"
)

func TestAgent_Definition(t *testing.T) {
	a := demo.Agent()
	if err := a.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if a.Name != "sample_agent" {
		t.Errorf("Name = %q, want sample_agent", a.Name)
	}
	if a.Model != nil {
		t.Errorf("Model is set; the demo must use the server's default model")
	}
	want := []string{"query_data", "plan_visualization", "manage_todos", "get_todos", "generate_form"}
	var got []string
	for _, tool := range a.Tools {
		got = append(got, tool.Name)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("tools = %v, want %v", got, want)
	}
	// The prompt must steer the model to each tool and to plan before the
	// frontend's visualization tools.
	for _, name := range append(want, "barChart", "pieChart", "widgetRenderer") {
		if !strings.Contains(a.Instructions, name) {
			t.Errorf("instructions do not mention %s", name)
		}
	}
}

func TestAgent_ToolSchemas(t *testing.T) {
	for _, tool := range demo.Agent().Tools {
		t.Run(tool.Name, func(t *testing.T) {
			if strings.TrimSpace(tool.Description) == "" {
				t.Error("no description")
			}
			var schema struct {
				Type       string                     `json:"type"`
				Properties map[string]json.RawMessage `json:"properties"`
				Required   []string                   `json:"required"`
			}
			if err := json.Unmarshal(tool.Parameters, &schema); err != nil {
				t.Fatalf("parameters are not a JSON object: %v", err)
			}
			if schema.Type != "object" {
				t.Errorf("type = %q, want object", schema.Type)
			}
			if schema.Properties == nil {
				t.Error("no properties")
			}
			for _, r := range schema.Required {
				if _, ok := schema.Properties[r]; !ok {
					t.Errorf("required %q is not a property", r)
				}
			}
			for name, p := range schema.Properties {
				var prop map[string]any
				if err := json.Unmarshal(p, &prop); err != nil {
					t.Errorf("property %s is not an object: %v", name, err)
				} else if _, ok := prop["type"]; !ok {
					t.Errorf("property %s has no type", name)
				}
			}
		})
	}
}

func TestAgent_FreshCopies(t *testing.T) {
	a, b := demo.Agent(), demo.Agent()
	a.Tools[0].Name = "changed"
	if b.Tools[0].Name == "changed" {
		t.Error("Agent() returns shared tool slices; a caller's change leaks into others")
	}
}
