// Package demo is the offline model of the demo agent: with no API key it
// answers sample_agent's turns the way a capable model would on the demo's
// own ground. It reads the user's words and the tool results of the
// conversation and calls the demo's tools through the normal streaming
// interface, so the real agent loop, deadlines, storage and protocol run:
//
//   - a data question calls query_data with the metric, grouping, filters
//     and limit the words name, then summarizes the rows;
//   - a chart or widget request calls query_data, then plan_visualization
//     with the rows' shape, then the frontend tool (barChart, pieChart or
//     widgetRenderer) with the rows; the run ends there, and once the
//     client sends the tool's result, a sentence names the top group;
//   - a plan request calls plan_visualization and explains the plan;
//   - todo requests call manage_todos (get_todos first, to find an item's
//     id, when one is changed or removed);
//   - sign-in, sign-up and other form requests call generate_form;
//   - a notice request calls the frontend's showNotice;
//   - anything else gets a reply listing the phrases it understands.
//
// It is deterministic: the same conversation gives the same deltas.
//
// Coupling: it knows agent/demo's tool names and argument shapes
// (query_data, plan_visualization, manage_todos, get_todos, generate_form)
// and the chart arguments of the built-in page's barChart and pieChart
// ({title, data: [{label, value}]}), and reads their results' JSON. It does
// not import agent/demo: the dataset's filter values and year come from the
// query_data schema offered in the request, like a real model reads them.
// A request that offers none of the demo's tools (another agent) goes to
// Config.Fallback.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/agentd/agentd/llm"
)

// Config sets the model's fallback.
type Config struct {
	// Fallback answers requests that offer none of the demo agent's tools;
	// nil answers them with a reply saying so.
	Fallback llm.Provider
}

// Model is the demo provider.
type Model struct{ cfg Config }

// New returns the demo model.
func New(cfg Config) *Model { return &Model{cfg: cfg} }

// Name implements llm.Provider.
func (m *Model) Name() string { return "demo" }

// Stream implements llm.Provider.
func (m *Model) Stream(ctx context.Context, req *llm.Request, emit func(llm.Delta) error) error {
	c := read(req)
	if !c.demoAgent() {
		if m.cfg.Fallback != nil {
			return m.cfg.Fallback.Stream(ctx, req, emit)
		}
		return stream(ctx, reply("The offline demo model only knows the demo agent's tools (query_data, manage_todos, generate_form). "+
			"Set OPENAI_API_KEY or ANTHROPIC_API_KEY for a real model."), c, emit)
	}
	return stream(ctx, next(c), c, emit)
}

// action is what one model turn does: call a tool or answer in text.
type action struct {
	tool string
	args any
	text string
}

func reply(format string, a ...any) action {
	if len(a) > 0 {
		format = fmt.Sprintf(format, a...)
	}
	return action{text: format}
}

func callTool(name string, args any) action { return action{tool: name, args: args} }

// stream emits act as a real provider would: text word by word, a tool call
// as its name and then its arguments in two pieces.
func stream(ctx context.Context, act action, c *conversation, emit func(llm.Delta) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	out := 0
	if act.tool != "" {
		b, err := json.Marshal(act.args)
		if err != nil {
			return fmt.Errorf("demo: encoding %s arguments: %w", act.tool, err)
		}
		args := string(b)
		// The id is unique in the thread: the conversation only grows.
		id := fmt.Sprintf("call_%08x", hash(fmt.Sprint(len(c.msgs), act.tool, args)))
		if err := emit(llm.Delta{ToolCall: &llm.ToolCallDelta{ID: id, Name: act.tool}}); err != nil {
			return err
		}
		half := len(args) / 2
		for _, part := range []string{args[:half], args[half:]} {
			if err := emit(llm.Delta{ToolCall: &llm.ToolCallDelta{Args: part}}); err != nil {
				return err
			}
		}
		out = len(args) / 4
	} else {
		for _, w := range strings.SplitAfter(act.text, " ") {
			if w == "" {
				continue
			}
			if err := emit(llm.Delta{Text: w}); err != nil {
				return err
			}
			out++
		}
	}
	return emit(llm.Delta{Usage: &llm.Usage{InputTokens: c.size / 4, OutputTokens: out}})
}

func hash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}
