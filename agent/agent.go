// Package agent is the public Go API for defining agents and their tools,
// and the loop that runs them: model turn, server tools, again, until the
// model answers in text or calls a tool the client executes.
//
// An agent in a few lines:
//
//	weather := agent.Tool{
//		Name:        "get_weather",
//		Description: "Current weather for a city",
//		Parameters:  json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`),
//		Run: func(ctx context.Context, c agent.Call) (agent.Result, error) {
//			var args struct{ City string }
//			if err := c.Bind(&args); err != nil {
//				return agent.Result{}, err
//			}
//			return agent.Text("Sunny in " + args.City), nil
//		},
//	}
//	a := &agent.Agent{Name: "weather", Instructions: "Answer weather questions.", Tools: []agent.Tool{weather}}
package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/agentd/agentd/llm"
)

// Agent is a named set of instructions and tools served at /agents/{Name}.
type Agent struct {
	Name         string
	Description  string
	Instructions string
	// Model answers this agent's turns; nil uses the server's default model.
	Model llm.Provider
	Tools []Tool
	// Toolsets add tools that come and go while the server runs, such as
	// an MCP server's; each run sees the tools they offer when it starts.
	Toolsets []Toolset
	// MaxSteps caps model turns per run (0: DefaultMaxSteps).
	MaxSteps int
}

// Toolset is a source of tools outside the agent's definition.
type Toolset interface {
	// Tools are the tools offered now: none while the source is down, so
	// that a run does not fail on them turn after turn.
	Tools() []Tool
	// Health is nil while every tool the source should offer is offered.
	Health() error
}

// Health reports the first of the agent's toolsets that is unhealthy.
func (a *Agent) Health() error {
	for _, ts := range a.Toolsets {
		if err := ts.Health(); err != nil {
			return err
		}
	}
	return nil
}

// DefaultMaxSteps is the step cap of an agent that sets none.
const DefaultMaxSteps = 8

// DefaultToolTimeout bounds a tool that sets no Timeout.
const DefaultToolTimeout = 30 * time.Second

// Tool is a function the model may call; the server runs it.
type Tool struct {
	Name        string
	Description string
	// Parameters is the JSON Schema of the arguments (an object schema).
	Parameters json.RawMessage
	// Timeout bounds one call (0: DefaultToolTimeout).
	Timeout time.Duration
	// SoftTimeout sends a timeout back to the model as an error result
	// instead of failing the run: for tools whose slowness the model can
	// work around, such as a remote server's.
	SoftTimeout bool
	Run         func(ctx context.Context, c Call) (Result, error)
}

// Call is one invocation of a tool.
type Call struct {
	ID    string          // the tool call id
	Args  json.RawMessage // the model's arguments, valid JSON
	State json.RawMessage // the thread's shared state before the call
}

// Bind decodes the arguments into v.
func (c Call) Bind(v any) error {
	if err := json.Unmarshal(c.Args, v); err != nil {
		return fmt.Errorf("invalid arguments: %w", err)
	}
	return nil
}

// BindState decodes the shared state into v.
func (c Call) BindState(v any) error {
	if len(c.State) == 0 {
		return nil
	}
	return json.Unmarshal(c.State, v)
}

// Result is what a tool returns.
type Result struct {
	// Content goes back to the model and to the client as the tool result.
	Content string
	// State, when non-nil, replaces the thread's shared state; the client
	// receives it as a STATE_SNAPSHOT.
	State json.RawMessage
}

// Text is a Result with only content.
func Text(s string) Result { return Result{Content: s} }

// JSON is a Result whose content is v encoded as JSON.
func JSON(v any) (Result, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Result{}, err
	}
	return Result{Content: string(b)}, nil
}

// Validate reports what is wrong with an agent's definition.
func (a *Agent) Validate() error {
	if a.Name == "" {
		return fmt.Errorf("agent: name is required")
	}
	seen := map[string]bool{}
	for _, t := range a.Tools {
		if t.Name == "" || t.Run == nil {
			return fmt.Errorf("agent %s: every tool needs a name and a Run function", a.Name)
		}
		if seen[t.Name] {
			return fmt.Errorf("agent %s: duplicate tool %s", a.Name, t.Name)
		}
		seen[t.Name] = true
		if len(t.Parameters) > 0 && !json.Valid(t.Parameters) {
			return fmt.Errorf("agent %s: tool %s: parameters are not valid JSON", a.Name, t.Name)
		}
	}
	return nil
}
