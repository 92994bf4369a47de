package sim_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/llmtest"
	"github.com/agentd/agentd/llm/sim"
)

func user(text string) agui.Message {
	return agui.Message{ID: text, Role: "user", Content: agui.TextContent(text)}
}

func TestReplyCountsTurnsAndIsDeterministic(t *testing.T) {
	t.Parallel()
	req := &llm.Request{Messages: []agui.Message{user("a"), {ID: "x", Role: "assistant", Content: agui.TextContent("b")}, user("what now")}}
	m := sim.New(sim.Config{ReplyTokens: 30})
	var c1, c2 llmtest.Collector
	if err := m.Stream(context.Background(), req, c1.Emit); err != nil {
		t.Fatal(err)
	}
	_ = m.Stream(context.Background(), req, c2.Emit)
	if !strings.HasPrefix(c1.Text(), "I heard: what now. This is turn 2.") || c1.Text() != c2.Text() {
		t.Fatalf("replies %q / %q", c1.Text(), c2.Text())
	}
	if n := len(strings.Fields(c1.Text())); n != 30 {
		t.Errorf("%d words, want 30", n)
	}
}

func TestCallsTheNamedToolWithRequiredArguments(t *testing.T) {
	t.Parallel()
	tools := []llm.Tool{
		{Name: "chart", Parameters: json.RawMessage(`{"type":"object"}`)},
		{Name: "barChart", Parameters: json.RawMessage(`{"type":"object","properties":{"title":{"type":"string"},"n":{"type":"integer"},
			"kind":{"type":"string","enum":["sum","avg"]},"opt":{"type":"string"}},"required":["title","n","kind"]}`)},
	}
	req := &llm.Request{Messages: []agui.Message{user("draw a barChart please")}, Tools: tools}
	var c llmtest.Collector
	if err := sim.New(sim.Config{}).Stream(context.Background(), req, c.Emit); err != nil {
		t.Fatal(err)
	}
	calls, err := c.ToolCalls()
	if err != nil || len(calls) != 1 || calls[0].Name != "barChart" {
		t.Fatalf("calls %+v err %v", calls, err)
	}
	var args map[string]any
	if err := json.Unmarshal([]byte(calls[0].Args), &args); err != nil {
		t.Fatal(err)
	}
	if args["title"] != "draw a barChart please" || args["n"] != float64(1) || args["kind"] != "sum" || args["opt"] != nil {
		t.Errorf("args %v", args)
	}
}

func TestAnswersAToolResult(t *testing.T) {
	t.Parallel()
	req := &llm.Request{Messages: []agui.Message{user("x"),
		{ID: "a", Role: "assistant", ToolCalls: []agui.ToolCall{{ID: "c", Type: "function", Function: agui.FunctionCall{Name: "f", Arguments: "{}"}}}},
		{ID: "t", Role: "tool", ToolCallID: "c", Content: agui.TextContent("42 apples")}}}
	var c llmtest.Collector
	_ = sim.New(sim.Config{}).Stream(context.Background(), req, c.Emit)
	if !strings.Contains(c.Text(), "42 apples") {
		t.Errorf("reply %q", c.Text())
	}
}

func TestPaceAndCancellation(t *testing.T) {
	t.Parallel()
	m := sim.New(sim.Config{FirstToken: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var c llmtest.Collector
	err := m.Stream(ctx, &llm.Request{Messages: []agui.Message{user("hi")}}, c.Emit)
	if !errors.Is(err, context.DeadlineExceeded) || c.Text() != "" {
		t.Fatalf("err %v text %q", err, c.Text())
	}
}
