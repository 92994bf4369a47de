package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm"
)

// ErrMaxSteps ends a run that used its step cap without a final answer.
var ErrMaxSteps = errors.New("the agent reached its step limit")

// Input is what one run of an agent works on.
type Input struct {
	History      []agui.Message // the reconciled thread, oldest first
	State        json.RawMessage
	ClientTools  []agui.Tool // executed by the client: a call ends the run
	Context      []agui.Context
	Instructions []string     // the client's system messages for this run
	Model        llm.Provider // used when the agent sets none
	NewID        func() string
}

// Sink receives what a run produces, in order.
type Sink interface {
	// Emit streams one event to the client. ev is the sink's only during
	// the call (the loop reuses it for the next token): a sink that keeps
	// it must copy it.
	Emit(ev *agui.Event) error
	// Checkpoint makes a finished step durable: its new messages and, when
	// non-nil, the new shared state. last says the run ends after this
	// step, so the sink may write it together with the run's end.
	Checkpoint(ctx context.Context, msgs []agui.Message, state json.RawMessage, last bool) error
	// Usage reports the tokens of one model call, when the provider
	// counted them: after the call, before its step's Checkpoint, and
	// also for a call whose step then fails (its tokens were spent).
	Usage(u llm.Usage)
}

// Outcome is how a run that did not fail ended.
type Outcome struct {
	// PendingToolCalls are client tool calls the client must now execute.
	PendingToolCalls []string
}

// Run executes the agent loop: a model turn, then the server tools it
// called, again, until the model answers in text, calls a client tool, or
// the step cap is reached.
func (a *Agent) Run(ctx context.Context, in Input, sink Sink) (Outcome, error) {
	model := a.Model
	if model == nil {
		model = in.Model
	}
	if model == nil {
		return Outcome{}, errors.New("agent " + a.Name + ": no model")
	}
	st := &step{agent: a, in: &in, sink: sink, state: in.State, history: in.History, own: a.Tools}
	for _, ts := range a.Toolsets {
		st.own = append(st.own[:len(st.own):len(st.own)], ts.Tools()...)
	}
	st.req = llm.Request{System: a.system(in), Tools: st.tools()}
	max := a.MaxSteps
	if max <= 0 {
		max = DefaultMaxSteps
	}
	for i := 0; i < max; i++ {
		done, out, err := st.run(ctx, model)
		if err != nil || done {
			return out, err
		}
	}
	return Outcome{}, ErrMaxSteps
}

func (a *Agent) system(in Input) string {
	var b strings.Builder
	b.WriteString(a.Instructions)
	for _, s := range in.Instructions {
		b.WriteString("\n\n")
		b.WriteString(s)
	}
	if len(in.Context) > 0 {
		b.WriteString("\n\nContext from the application:")
		for _, c := range in.Context {
			fmt.Fprintf(&b, "\n- %s: %s", c.Description, c.Value)
		}
	}
	return b.String()
}

// step holds the state of one run across its model turns.
type step struct {
	agent   *Agent
	in      *Input
	sink    Sink
	req     llm.Request
	state   json.RawMessage
	history []agui.Message
	own     []Tool // the agent's tools and its toolsets' at the run's start
}

// tools offers the agent's tools and the client's; on a name clash the
// client's wins, as in the reference server.
func (s *step) tools() []llm.Tool {
	out := make([]llm.Tool, 0, len(s.own)+len(s.in.ClientTools))
	for _, t := range s.own {
		if s.clientTool(t.Name) == nil {
			out = append(out, llm.Tool{Name: t.Name, Description: t.Description, Parameters: t.Parameters})
		}
	}
	for _, t := range s.in.ClientTools {
		out = append(out, llm.Tool{Name: t.Name, Description: t.Description, Parameters: t.Parameters})
	}
	return out
}

func (s *step) clientTool(name string) *agui.Tool {
	for i := range s.in.ClientTools {
		if s.in.ClientTools[i].Name == name {
			return &s.in.ClientTools[i]
		}
	}
	return nil
}

func (s *step) serverTool(name string) *Tool {
	for i := range s.own {
		if s.own[i].Name == name {
			return &s.own[i]
		}
	}
	return nil
}

// run does one model turn and the server tools it calls. It reports done
// when the run should end.
func (s *step) run(ctx context.Context, model llm.Provider) (bool, Outcome, error) {
	s.req.Messages = modelMessages(s.history)
	turn := newTurn(s.in.NewID(), s.in.NewID, s.sink)
	err := model.Stream(ctx, &s.req, turn.add)
	if cerr := turn.close(); err == nil {
		err = cerr
	}
	if turn.usage != nil {
		s.sink.Usage(*turn.usage)
	}
	if err != nil {
		return true, Outcome{}, err
	}
	reply := turn.message()
	if len(reply.ToolCalls) == 0 {
		return true, Outcome{}, s.commit(ctx, []agui.Message{reply}, nil, true)
	}
	msgs := []agui.Message{reply}
	var pending []string
	var newState json.RawMessage
	for _, tc := range reply.ToolCalls {
		if s.clientTool(tc.Function.Name) != nil {
			pending = append(pending, tc.ID)
			continue
		}
		res, changed, err := s.callServerTool(ctx, tc)
		if err != nil {
			return true, Outcome{}, err
		}
		msgs = append(msgs, res)
		if changed != nil {
			newState = changed
		}
	}
	if err := s.commit(ctx, msgs, newState, len(pending) > 0); err != nil {
		return true, Outcome{}, err
	}
	if len(pending) > 0 {
		return true, Outcome{PendingToolCalls: pending}, nil
	}
	return false, Outcome{}, nil
}

func (s *step) commit(ctx context.Context, msgs []agui.Message, state json.RawMessage, last bool) error {
	if err := s.sink.Checkpoint(ctx, msgs, state, last); err != nil {
		return err
	}
	s.history = append(s.history, msgs...)
	return nil
}
