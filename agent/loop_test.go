package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/sim"
)

// recorder is a Sink that keeps what it is given and checks event order.
type recorder struct {
	mu          sync.Mutex
	events      []agui.Event
	checkpoints [][]agui.Message
	state       json.RawMessage
	usage       []llm.Usage
	steps       []int // len(usage) at each checkpoint
	v           agui.Verifier
	err         error
}

func newRecorder() *recorder {
	r := &recorder{}
	r.v.Check(&agui.Event{Type: agui.RunStarted, ThreadID: "t", RunID: "r"})
	return r
}

func (r *recorder) Emit(ev *agui.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.v.Check(ev); err != nil && r.err == nil {
		r.err = err
	}
	r.events = append(r.events, *ev)
	return nil
}

func (r *recorder) Checkpoint(_ context.Context, msgs []agui.Message, state json.RawMessage, _ bool) error {
	r.checkpoints = append(r.checkpoints, msgs)
	r.steps = append(r.steps, len(r.usage))
	if state != nil {
		r.state = state
	}
	return nil
}

func (r *recorder) Usage(u llm.Usage) { r.usage = append(r.usage, u) }

func (r *recorder) types() string {
	var s []string
	for _, ev := range r.events {
		s = append(s, string(ev.Type))
	}
	return strings.Join(s, " ")
}

var ids atomic.Int64

func newID() string { return fmt.Sprintf("id%d", ids.Add(1)) }

func userInput(text string) agent.Input {
	return agent.Input{History: []agui.Message{{ID: "u1", Role: "user", Content: agui.TextContent(text)}},
		State: json.RawMessage(`{}`), Model: sim.New(sim.Config{}), NewID: newID}
}

func tool(name string, run func(context.Context, agent.Call) (agent.Result, error)) agent.Tool {
	return agent.Tool{Name: name, Description: name, Parameters: json.RawMessage(`{"type":"object"}`), Run: run, Timeout: 100 * time.Millisecond}
}

func TestRun_ServerToolFailuresGoBackToTheModel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(context.Context, agent.Call) (agent.Result, error)
		want string
	}{
		{"error", func(context.Context, agent.Call) (agent.Result, error) { return agent.Result{}, errors.New("boom") }, "boom"},
		{"panic", func(context.Context, agent.Call) (agent.Result, error) { panic("oops") }, "oops"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := &agent.Agent{Name: "a", Tools: []agent.Tool{tool("flaky", tt.run)}}
			rec := newRecorder()
			start := time.Now()
			if _, err := a.Run(context.Background(), userInput("call flaky"), rec); err != nil {
				t.Fatal(err)
			}
			if time.Since(start) > time.Second {
				t.Errorf("the run waited for a tool past its timeout")
			}
			if rec.err != nil {
				t.Fatal(rec.err)
			}
			var result *agui.Event
			for i := range rec.events {
				if rec.events[i].Type == agui.ToolCallResult {
					result = &rec.events[i]
				}
			}
			if result == nil || !strings.Contains(result.Content, tt.want) {
				t.Fatalf("result %+v, want it to mention %q", result, tt.want)
			}
			tm := rec.checkpoints[0][1]
			if tm.Role != "tool" || tm.Error == "" {
				t.Errorf("stored tool message %+v has no error", tm)
			}
		})
	}
}

func TestRun_ToolTimeoutEndsTheRun(t *testing.T) {
	t.Parallel()
	release := make(chan struct{}) // the tool's goroutine outlives the run, not the test
	t.Cleanup(func() { close(release) })
	a := &agent.Agent{Name: "a", Tools: []agent.Tool{tool("stuck", func(context.Context, agent.Call) (agent.Result, error) {
		<-release // ignores its context
		return agent.Text("late"), nil
	})}}
	rec := newRecorder()
	start := time.Now()
	_, err := a.Run(context.Background(), userInput("call stuck"), rec)
	if !errors.Is(err, agent.ErrToolTimeout) || time.Since(start) > time.Second {
		t.Fatalf("err %v after %v, want a tool timeout at 100ms", err, time.Since(start))
	}
	if len(rec.checkpoints) != 0 {
		t.Errorf("the timed-out step was checkpointed")
	}
}

// loopModel always calls the same server tool: the step cap must stop it.
type loopModel struct{}

func (loopModel) Name() string { return "loop" }
func (loopModel) Stream(_ context.Context, _ *llm.Request, emit func(llm.Delta) error) error {
	return emit(llm.Delta{ToolCall: &llm.ToolCallDelta{ID: newID(), Name: "again", Args: "{}"}})
}

func TestRun_StepCap(t *testing.T) {
	t.Parallel()
	calls := 0
	a := &agent.Agent{Name: "a", MaxSteps: 3, Model: loopModel{}, Tools: []agent.Tool{tool("again",
		func(context.Context, agent.Call) (agent.Result, error) { calls++; return agent.Text("ok"), nil })}}
	rec := newRecorder()
	_, err := a.Run(context.Background(), userInput("go"), rec)
	if !errors.Is(err, agent.ErrMaxSteps) || calls != 3 || len(rec.checkpoints) != 3 {
		t.Fatalf("err %v after %d calls and %d checkpoints", err, calls, len(rec.checkpoints))
	}
}

func TestRun_ClientToolWinsNameClashAndEndsRun(t *testing.T) {
	t.Parallel()
	serverRan := false
	a := &agent.Agent{Name: "a", Tools: []agent.Tool{tool("barChart",
		func(context.Context, agent.Call) (agent.Result, error) { serverRan = true; return agent.Text("x"), nil })}}
	in := userInput("draw a barChart")
	in.ClientTools = []agui.Tool{{Name: "barChart", Description: "client chart"}}
	rec := newRecorder()
	out, err := a.Run(context.Background(), in, rec)
	if err != nil || serverRan || len(out.PendingToolCalls) != 1 {
		t.Fatalf("out %+v err %v serverRan %v", out, err, serverRan)
	}
	if got := rec.types(); got != "TOOL_CALL_START TOOL_CALL_ARGS TOOL_CALL_ARGS TOOL_CALL_END" {
		t.Errorf("events %s", got)
	}
}

func TestRun_ModelErrorLeavesStreamWellFormed(t *testing.T) {
	t.Parallel()
	a := &agent.Agent{Name: "a", Model: failingModel{}}
	rec := newRecorder()
	_, err := a.Run(context.Background(), userInput("hi"), rec)
	var le *llm.Error
	if !errors.As(err, &le) || le.Kind != llm.ErrStream {
		t.Fatalf("err %v", err)
	}
	if got := rec.types(); got != "TEXT_MESSAGE_START TEXT_MESSAGE_CONTENT TEXT_MESSAGE_END" {
		t.Errorf("events %s: an open message must be closed", got)
	}
	if len(rec.checkpoints) != 0 {
		t.Errorf("a failed step was checkpointed")
	}
}

type failingModel struct{}

func (failingModel) Name() string { return "failing" }
func (failingModel) Stream(_ context.Context, _ *llm.Request, emit func(llm.Delta) error) error {
	if err := emit(llm.Delta{Text: "partial"}); err != nil {
		return err
	}
	return &llm.Error{Provider: "failing", Kind: llm.ErrStream, Err: errors.New("cut")}
}

// Every model call's usage reaches the sink before its step's checkpoint:
// here a tool call, then the answer to its result.
func TestRun_UsageOfEveryCall(t *testing.T) {
	t.Parallel()
	a := &agent.Agent{Name: "a", Tools: []agent.Tool{tool("lookup",
		func(context.Context, agent.Call) (agent.Result, error) { return agent.Text("found it"), nil })}}
	rec := newRecorder()
	if _, err := a.Run(context.Background(), userInput("please lookup"), rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.usage) != 2 || !reflect.DeepEqual(rec.steps, []int{1, 2}) {
		t.Fatalf("usage %+v at checkpoints %v, want one per call, each before its checkpoint", rec.usage, rec.steps)
	}
	// sim counts words: "please lookup" in; the second call also reads the tool's result.
	if u := rec.usage[0]; u.InputTokens != 2 || u.OutputTokens == 0 || u.Model != "sim" {
		t.Errorf("first call's usage %+v", u)
	}
	if u := rec.usage[1]; u.InputTokens <= rec.usage[0].InputTokens || u.OutputTokens == 0 {
		t.Errorf("second call's usage %+v, want more input than the first's", u)
	}
}

func TestRun_SoftToolTimeoutGoesBackToTheModel(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	stuck := tool("stuck", func(context.Context, agent.Call) (agent.Result, error) {
		<-release
		return agent.Text("late"), nil
	})
	stuck.SoftTimeout = true
	a := &agent.Agent{Name: "a", Tools: []agent.Tool{stuck}}
	rec := newRecorder()
	if _, err := a.Run(context.Background(), userInput("call stuck"), rec); err != nil {
		t.Fatalf("the run failed: %v", err)
	}
	if tm := rec.checkpoints[0][1]; tm.Role != "tool" || !strings.Contains(tm.Error, "timeout") {
		t.Errorf("stored tool message %+v, want the timeout as its error", tm)
	}
}

// toolset offers what its tools field holds at the time.
type toolset struct {
	tools  []agent.Tool
	health error
}

func (s *toolset) Tools() []agent.Tool { return s.tools }
func (s *toolset) Health() error       { return s.health }

func TestRun_ToolsetToolsAreOfferedAndRun(t *testing.T) {
	t.Parallel()
	ts := &toolset{tools: []agent.Tool{tool("from_set", func(context.Context, agent.Call) (agent.Result, error) { return agent.Text("set says hi"), nil })}}
	a := &agent.Agent{Name: "a", Toolsets: []agent.Toolset{ts}}
	rec := newRecorder()
	if _, err := a.Run(context.Background(), userInput("call from_set"), rec); err != nil {
		t.Fatal(err)
	}
	if tm := rec.checkpoints[0][1]; tm.Text() != "set says hi" {
		t.Errorf("tool message %+v", tm)
	}
	if a.Health() != nil {
		t.Error("a healthy toolset made the agent unhealthy")
	}
	ts.health = errors.New("down")
	if a.Health() == nil {
		t.Error("the agent's health ignores its toolset")
	}
}
