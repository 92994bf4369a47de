package runs

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/store"
)

// Run is one run executing on this instance.
type Run struct {
	ID       string
	ThreadID string
	User     string // whom the run belongs to
	Log      *Log

	m       *Manager
	agent   *agent.Agent
	rec     agentd.Run
	input   agent.Input
	version int64
	ctx     context.Context
	cancel  context.CancelCauseFunc
	done    chan struct{}
	release func()
	// published, when the log is copied to a shared one, closes once the
	// copy holds the last event.
	published chan struct{}
	started   time.Time
	output    bool              // the model has produced something
	last      *store.Checkpoint // the last step, written by finish
	usage     agentd.Usage      // of model calls not yet committed
	renewing  atomic.Bool       // the agent runs: its lease must be kept
}

// newRun keeps nothing of the client's input: the agent gets what it needs
// in r.input, and the rest (the messages) would stay in memory as long as
// the run, and while it is kept for rejoining.
func newRun(m *Manager, ag *agent.Agent, rec agentd.Run) *Run {
	r := &Run{ID: rec.ID, ThreadID: rec.ThreadID, User: rec.User, Log: newLog(), m: m, agent: ag, rec: rec, done: make(chan struct{})}
	ctx, cancel := context.WithCancelCause(m.base)
	r.ctx, r.cancel = ctx, cancel
	return r
}

// Done reports whether the run has ended.
func (r *Run) Done() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// Wait returns a channel closed when the run has ended and been recorded.
func (r *Run) Wait() <-chan struct{} { return r.done }

func (r *Run) emit(ev *agui.Event) {
	if ev.Timestamp == 0 && ev.Type != agui.TextMessageContent && ev.Type != agui.ToolCallArgs {
		ev.Timestamp = agui.Now() // per-token events go without: see agent's turn
	}
	last := ev.Type == agui.RunFinished || ev.Type == agui.RunError
	if !r.output && (ev.Type == agui.TextMessageContent || ev.Type == agui.ToolCallStart) {
		r.output = true
		r.m.metrics.firstToken.Observe(time.Since(r.started).Seconds())
	}
	if err := r.Log.append(ev, last); err != nil {
		r.m.cfg.Logger.Error("event not encodable", "run", r.ID, "type", ev.Type, "err", err)
	}
}

// Emit implements agent.Sink.
func (r *Run) Emit(ev *agui.Event) error {
	r.emit(ev)
	return nil
}

// Checkpoint implements agent.Sink: one transaction per step. The last
// step is written with the run's end, in finish's transaction: nothing runs
// between the two, and a turn then costs one write less.
func (r *Run) Checkpoint(ctx context.Context, msgs []agui.Message, state json.RawMessage, last bool) error {
	appended := make([]store.AppendMessage, len(msgs))
	for i, msg := range msgs {
		appended[i] = store.AppendMessage{Message: msg, RunID: r.ID}
	}
	if last {
		r.last = &store.Checkpoint{Append: appended, State: state}
		return nil
	}
	began := time.Now()
	v, err := r.m.cfg.Store.Commit(ctx, store.Checkpoint{RunID: r.ID, ThreadID: r.ThreadID, Fence: r.rec.Fence,
		Version: r.version, TruncateAt: -1, Append: appended, State: state, Usage: r.usage})
	r.m.metrics.storeOp("commit", began)
	if err != nil {
		return &storeError{err}
	}
	r.version, r.usage = v, agentd.Usage{}
	return nil
}

// Usage implements agent.Sink: the call's tokens are counted now and
// stored with the next checkpoint, or with the run's end (a failed run's
// too: the tokens were spent).
func (r *Run) Usage(u llm.Usage) {
	if u.Model == "" {
		// A provider that names no model is labelled by its own name.
		if p := r.agent.Model; p != nil {
			u.Model = p.Name()
		} else if p := r.m.cfg.Model; p != nil {
			u.Model = p.Name()
		}
	}
	r.m.metrics.countTokens(r.agent.Name, u)
	r.usage = r.usage.Add(agentd.Usage{InputTokens: int64(u.InputTokens), OutputTokens: int64(u.OutputTokens),
		CachedInputTokens: int64(u.CachedInputTokens)})
}

// storeError marks a failed checkpoint, so the run ends with a store code.
type storeError struct{ err error }

func (e *storeError) Error() string { return "checkpoint: " + e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// execute runs the agent to its end and records how it ended.
func (r *Run) execute() {
	defer r.m.active.Done()
	defer close(r.done)
	// Release the run's context from the manager's base context: a run that
	// ended normally would otherwise stay among its children forever.
	defer r.cancel(errEnded)
	defer r.release()
	defer r.m.metrics.inFlight.Dec()
	ctx, cancel := context.WithTimeoutCause(r.ctx, r.m.cfg.RunTimeout, errRunTimeout)
	defer cancel()
	started := time.Now()
	r.renewing.Store(true) // the manager's renewer keeps the lease from here
	out, err := r.agent.Run(ctx, r.input, r)
	r.renewing.Store(false) // finish frees the thread
	if err != nil && ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	fin := &store.Finish{Status: agentd.RunSucceeded, At: time.Now()}
	last := r.last
	// A finished run stays in memory a while for rejoining clients, counted
	// by its log's size: it must not keep the conversation as well.
	r.input, r.last = agent.Input{}, nil
	if err != nil {
		last = nil // a failed run keeps its last good checkpoint only
	}
	var final agui.Event
	if err == nil {
		// No outcome: @ag-ui/client 0.0.59 (which CopilotKit pins) rejects
		// pendingToolCallIds, and 1.0.0 derives the pending calls itself.
		final = agui.Event{Type: agui.RunFinished, ThreadID: r.ThreadID, RunID: r.ID}
	} else {
		code, msg, status := classify(err)
		fin.Status, fin.ErrorCode, fin.ErrorMsg = status, code, msg
		final = agui.Event{Type: agui.RunError, Code: string(code), Message: msg}
	}
	// Free the thread before telling the client the run is over: a client
	// that starts its next run at once must not find the thread busy.
	if ferr := r.finish(fin, last); ferr != nil && err == nil {
		code, msg, _ := classify(&storeError{ferr})
		final = agui.Event{Type: agui.RunError, Code: string(code), Message: msg}
		err = ferr
	}
	r.m.finished(r)
	r.emit(&final)
	if r.published != nil {
		<-r.published // a drain must not exit before rejoiners elsewhere can see the end
	}
	r.m.metrics.ended.WithLabelValues(string(fin.Status), final.Code).Inc()
	r.m.metrics.duration.WithLabelValues(string(fin.Status)).Observe(time.Since(r.started).Seconds())
	log := r.m.cfg.Logger.With("thread", r.ThreadID, "run", r.ID, "ms", time.Since(started).Milliseconds())
	if err != nil {
		log.Warn("run ended with error", "code", final.Code, "err", err)
	} else {
		log.Info("run finished", "pending_tool_calls", len(out.PendingToolCalls))
	}
}

// finish records the run's end, with its last step when given, and frees
// the thread. It runs even when the run's context is gone, bounded on its
// own, and retries a failed write within that bound: a run that cannot
// record its end leaves its thread leased, refusing the next turn with 409
// until the lease lapses.
func (r *Run) finish(fin *store.Finish, last *store.Checkpoint) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 10*time.Second)
	defer cancel()
	cp := store.Checkpoint{RunID: r.ID, ThreadID: r.ThreadID, Fence: r.rec.Fence, Version: -1, TruncateAt: -1, Finish: fin, Usage: r.usage}
	if last != nil {
		cp.Version, cp.Append, cp.State = r.version, last.Append, last.State
	}
	began := time.Now()
	defer r.m.metrics.storeOp("finish", began)
	for attempt, wait := 0, 50*time.Millisecond; ; attempt, wait = attempt+1, min(2*wait, time.Second) {
		_, err := r.m.cfg.Store.Commit(ctx, cp)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, store.ErrFenced) && attempt > 0 && r.ended(fin.Status):
			return nil // an earlier attempt landed though its answer was lost
		case last == nil && (errors.Is(err, store.ErrFenced) || errors.Is(err, store.ErrNotFound)):
			// The thread was deleted or taken over: nothing of ours to free.
			return nil
		case errors.Is(err, store.ErrFenced), errors.Is(err, store.ErrVersion), errors.Is(err, store.ErrNotFound),
			errors.As(err, new(*agentd.Error)):
			return err // retrying cannot change these
		}
		r.m.cfg.Logger.Warn("recording the run's end failed; retrying", "run", r.ID, "attempt", attempt+1, "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// ended reports whether the store has the run ended with status.
func (r *Run) ended(status agentd.RunStatus) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 2*time.Second)
	defer cancel()
	rec, err := r.m.cfg.Store.GetRun(ctx, r.ID)
	return err == nil && rec.Status == status
}
