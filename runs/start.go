package runs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/history"
	"github.com/agentd/agentd/store"
	"github.com/google/uuid"
)

// Start begins a run of the named agent. Everything that can refuse the run
// (unknown agent, busy thread, reused run id, draining, store down) happens
// here, before the caller has sent a byte; once Start returns, the run goes
// on without the caller and its log ends with RUN_FINISHED or RUN_ERROR.
func (m *Manager) Start(ctx context.Context, agentName string, in *agui.RunAgentInput) (*Run, error) {
	ag, ok := m.agents[agentName]
	if !ok {
		return nil, agentd.Errorf(agentd.CodeNotFound, "no agent named %q", agentName)
	}
	m.mu.Lock()
	if m.draining {
		m.mu.Unlock()
		return nil, &agentd.Error{Code: agentd.CodeUnavailable, Message: "the server is restarting; retry shortly", RetryAfter: 2 * time.Second}
	}
	m.active.Add(1)
	m.mu.Unlock()
	r, err := m.begin(ctx, ag, in)
	if err != nil {
		m.active.Done()
		return nil, err
	}
	m.track(r)
	go r.execute()
	return r, nil
}

// begin takes the thread's lease and commits the client's new messages.
func (m *Manager) begin(ctx context.Context, ag *agent.Agent, in *agui.RunAgentInput) (*Run, error) {
	now := time.Now()
	rec, thread, err := m.cfg.Store.StartRun(ctx, store.StartRun{
		RunID: in.RunID, ThreadID: in.ThreadID, Agent: ag.Name, Owner: m.cfg.Owner,
		Now: now, LeaseUntil: now.Add(m.cfg.LeaseTTL),
	})
	switch {
	case errors.Is(err, store.ErrThreadBusy):
		return nil, &agentd.Error{Code: agentd.CodeConflict, Cause: err, RetryAfter: time.Second,
			Message: "thread " + in.ThreadID + " already has a run in progress; wait for it to finish or cancel it"}
	case errors.Is(err, store.ErrRunExists):
		return nil, &agentd.Error{Code: agentd.CodeConflict, Cause: err, Message: "run id " + in.RunID + " was already used; send a new runId"}
	case err != nil:
		return nil, storeUnavailable(err)
	}
	plan := history.Merge(thread.Messages, in.Messages)
	state, fromStore := effectiveState(in.State, thread.State)
	appended := make([]store.AppendMessage, len(plan.Append))
	for i, msg := range plan.Append {
		appended[i] = store.AppendMessage{Message: msg}
	}
	version, err := m.cfg.Store.Commit(ctx, store.Checkpoint{
		RunID: rec.ID, ThreadID: thread.ID, Fence: rec.Fence, Version: thread.Version,
		TruncateAt: plan.TruncateAt, Append: appended, State: state,
	})
	if err != nil {
		m.abandon(rec, err)
		return nil, storeUnavailable(err)
	}
	r := newRun(m, ag, rec, in)
	r.version = version
	r.input = agent.Input{
		History: plan.Apply(thread.Messages), State: state, ClientTools: in.Tools,
		Context: in.Context, Instructions: plan.Instructions, Model: m.cfg.Model, NewID: uuid.NewString,
	}
	r.emit(&agui.Event{Type: agui.RunStarted, ThreadID: in.ThreadID, RunID: in.RunID, ParentRunID: in.ParentRunID})
	if fromStore {
		// The client sent no state: give it the thread's.
		r.emit(&agui.Event{Type: agui.StateSnapshot, Snapshot: state})
	}
	m.cfg.Logger.Info("run started", "thread", in.ThreadID, "run", in.RunID, "agent", ag.Name,
		"history", len(r.input.History), "merge", plan.Reason)
	return r, nil
}

// abandon ends a run that could not begin, so its thread is not left leased.
func (m *Manager) abandon(rec agentd.Run, cause error) {
	ctx, cancel := context.WithTimeout(m.base, 5*time.Second)
	defer cancel()
	_, err := m.cfg.Store.Commit(ctx, store.Checkpoint{RunID: rec.ID, ThreadID: rec.ThreadID, Fence: rec.Fence,
		Version: -1, TruncateAt: -1, Finish: &store.Finish{Status: agentd.RunFailed, ErrorCode: "store_error",
			ErrorMsg: cause.Error(), At: time.Now()}})
	if err != nil {
		m.cfg.Logger.Error("run abandon failed", "run", rec.ID, "thread", rec.ThreadID, "err", err)
	}
}

func storeUnavailable(err error) error {
	var e *agentd.Error
	if errors.As(err, &e) {
		return err
	}
	return &agentd.Error{Code: agentd.CodeUnavailable, Message: "the conversation store is unavailable; retry shortly",
		RetryAfter: 2 * time.Second, Cause: err}
}

// effectiveState picks the run's shared state. The client's state is the
// truth (its UI may have changed it), except when it sends none or an empty
// object while the thread has one: a new page on an old thread must not
// wipe it. fromStore says the client should be sent the stored state.
func effectiveState(client, stored json.RawMessage) (json.RawMessage, bool) {
	if len(stored) == 0 {
		stored = json.RawMessage("{}")
	}
	if isEmptyJSON(client) {
		return stored, !isEmptyJSON(stored)
	}
	return client, false
}

func isEmptyJSON(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		return true
	}
	var obj map[string]json.RawMessage
	return t[0] == '{' && json.Unmarshal(t, &obj) == nil && len(obj) == 0
}
