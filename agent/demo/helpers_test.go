package demo_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/agent/demo"
)

// call runs the demo agent's tool name with raw JSON arguments and state,
// the way the agent loop does.
func call(t *testing.T, name, args, state string) (agent.Result, error) {
	t.Helper()
	for _, tool := range demo.Agent().Tools {
		if tool.Name == name {
			c := agent.Call{ID: "call_1", Args: json.RawMessage(args)}
			if state != "" {
				c.State = json.RawMessage(state)
			}
			return tool.Run(context.Background(), c)
		}
	}
	t.Fatalf("demo agent has no tool %q", name)
	return agent.Result{}, nil
}

// mustCall is call for arguments that must succeed; it decodes the content
// into out.
func mustCall(t *testing.T, name, args, state string, out any) agent.Result {
	t.Helper()
	res, err := call(t, name, args, state)
	if err != nil {
		t.Fatalf("%s(%s): %v", name, args, err)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(res.Content), out); err != nil {
			t.Fatalf("%s(%s): content is not the expected JSON: %v\n%s", name, args, err, res.Content)
		}
	}
	return res
}

// mustFail is call for arguments that must be rejected.
func mustFail(t *testing.T, name, args, state string) error {
	t.Helper()
	res, err := call(t, name, args, state)
	if err == nil {
		t.Fatalf("%s(%s): want an error, got %q", name, args, res.Content)
	}
	return err
}
