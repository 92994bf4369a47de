package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/agentd/agentd/agui"
)

// ErrToolTimeout ends a run whose server tool did not answer in time.
var ErrToolTimeout = errors.New("tool timeout")

// callServerTool runs one server-side tool call under its timeout and
// streams its result. A tool's error goes back to the model as an error
// result; a timeout (unless the tool has SoftTimeout) or the run's own
// cancellation fails the run.
func (s *step) callServerTool(ctx context.Context, tc agui.ToolCall) (agui.Message, json.RawMessage, error) {
	res, err := s.invoke(ctx, tc)
	if ctx.Err() != nil {
		return agui.Message{}, nil, ctx.Err()
	}
	if errors.Is(err, ErrToolTimeout) && !s.serverTool(tc.Function.Name).SoftTimeout {
		return agui.Message{}, nil, err
	}
	msg := agui.Message{ID: s.in.NewID(), Role: agui.RoleTool, ToolCallID: tc.ID}
	content := res.Content
	if err != nil {
		msg.Error = err.Error()
		content = "Error: " + err.Error()
	}
	msg.Content = agui.TextContent(content)
	if err := s.sink.Emit(&agui.Event{Type: agui.ToolCallResult, Timestamp: agui.Now(), MessageID: msg.ID,
		ToolCallID: tc.ID, Content: content, Role: agui.RoleTool}); err != nil {
		return agui.Message{}, nil, err
	}
	if err != nil || res.State == nil {
		return msg, nil, nil
	}
	if !json.Valid(res.State) {
		return agui.Message{}, nil, fmt.Errorf("tool %s returned invalid state JSON", tc.Function.Name)
	}
	s.state = res.State
	if err := s.sink.Emit(&agui.Event{Type: agui.StateSnapshot, Timestamp: agui.Now(), Snapshot: res.State}); err != nil {
		return agui.Message{}, nil, err
	}
	return msg, res.State, nil
}

func (s *step) invoke(ctx context.Context, tc agui.ToolCall) (Result, error) {
	tool := s.serverTool(tc.Function.Name)
	if tool == nil {
		return Result{}, fmt.Errorf("unknown tool %q", tc.Function.Name)
	}
	args := json.RawMessage(tc.Function.Arguments)
	if !json.Valid(args) {
		return Result{}, errors.New("the arguments are not valid JSON")
	}
	timeout := tool.Timeout
	if timeout <= 0 {
		timeout = DefaultToolTimeout
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type outcome struct {
		res Result
		err error
	}
	// The tool runs in its own goroutine so that one which ignores its
	// context still cannot hold the run past the timeout.
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- outcome{err: fmt.Errorf("tool %s failed: %v", tool.Name, p)}
			}
		}()
		res, err := tool.Run(tctx, Call{ID: tc.ID, Args: args, State: s.state})
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		if o.err != nil && tctx.Err() != nil && ctx.Err() == nil {
			o.err = fmt.Errorf("tool %s exceeded its %s timeout: %w", tool.Name, timeout, ErrToolTimeout)
		}
		return o.res, o.err
	case <-tctx.Done():
		return Result{}, fmt.Errorf("tool %s exceeded its %s timeout: %w", tool.Name, timeout, ErrToolTimeout)
	}
}
