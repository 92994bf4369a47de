package runs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/history"
	"github.com/agentd/agentd/store"
	"github.com/google/uuid"
)

// Request asks for a run.
type Request struct {
	Agent string
	// User is whom the run is for: a new thread becomes theirs, and
	// another user's thread is refused as a missing one (CodeNotFound),
	// before any double-send policy applies. Required.
	User  string
	Input *agui.RunAgentInput
	// Release, when set, is called once the run has ended (or failed to
	// start): it returns the caller's admission slot.
	Release func()
	// StartBy, when set, is the latest time the run may still wait for
	// the store to start it: past it Start refuses with 503 + Retry-After
	// (store.ErrBusy), so that an admitted run's wait for its first event
	// stays within the server's queue wait.
	StartBy time.Time
}

// Start begins a run of the named agent. Everything that can refuse the run
// (unknown agent, busy thread, reused run id, draining, store down) happens
// here, before the caller has sent a byte; once Start returns, the run goes
// on without the caller and its log ends with RUN_FINISHED or RUN_ERROR.
func (m *Manager) Start(ctx context.Context, req Request) (*Run, error) {
	release := req.Release
	if release == nil {
		release = func() {}
	}
	ag, ok := m.agents[req.Agent]
	if !ok {
		release()
		return nil, agentd.Errorf(agentd.CodeNotFound, "no agent named %q", req.Agent)
	}
	if req.User == "" {
		release()
		return nil, agentd.Errorf(agentd.CodeInternal, "the run request names no user")
	}
	if err := m.checkQuota(ctx, req.User); err != nil {
		release()
		return nil, err
	}
	m.mu.Lock()
	if m.draining {
		m.mu.Unlock()
		release()
		return nil, &agentd.Error{Code: agentd.CodeUnavailable, Message: "the server is restarting; retry shortly", RetryAfter: 2 * time.Second}
	}
	m.active.Add(1)
	m.mu.Unlock()
	// The store refuses another user's thread before its lease: such a
	// run is never busy, so it never interrupts the thread's run.
	r, err := m.begin(ctx, ag, req.User, req.Input, req.StartBy)
	if errors.Is(err, store.ErrThreadBusy) && m.cfg.DoubleSend == DoubleSendInterrupt {
		r, err = m.takeOver(ctx, ag, req.User, req.Input, err)
	}
	if err != nil {
		m.active.Done()
		release()
		return nil, m.refusal(req.Input, err)
	}
	r.release = release
	m.track(r)
	m.metrics.inFlight.Inc()
	if m.cfg.Events != nil {
		r.published = make(chan struct{})
		go func() {
			defer close(r.published)
			r.publish(m.cfg.Events, m.cfg.EventBatch)
		}()
	}
	go r.execute()
	return r, nil
}

// refusal turns a failure to begin into what the client is told.
func (m *Manager) refusal(in *agui.RunAgentInput, err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Another user's thread: told exactly what GET /threads/{id} says.
		return &agentd.Error{Code: agentd.CodeNotFound, Cause: err, Message: ThreadNotFound}
	case errors.Is(err, store.ErrTooManyThreads):
		return &agentd.Error{Code: agentd.CodeTooManyThreads, Cause: err,
			Message: fmt.Sprintf("this user already has the most threads allowed (%d); delete some to start new ones", m.cfg.MaxThreadsPerUser)}
	case errors.Is(err, store.ErrThreadBusy):
		return &agentd.Error{Code: agentd.CodeConflict, Cause: err, RetryAfter: time.Second,
			Message: "thread " + in.ThreadID + " already has a run in progress; wait for it to finish or cancel it"}
	case errors.Is(err, store.ErrBusy):
		return &agentd.Error{Code: agentd.CodeOverloaded, Cause: err, RetryAfter: time.Second,
			Message: "the server is at capacity: its store is behind; retry shortly"}
	case errors.Is(err, store.ErrRunExists):
		return &agentd.Error{Code: agentd.CodeConflict, Cause: err, Message: "run id " + in.RunID + " was already used; send a new runId"}
	}
	return storeUnavailable(err)
}

// ThreadNotFound is the message of every answer about a thread that is
// missing or another user's: the two must read the same.
const ThreadNotFound = "no such thread"

// begin takes the thread's lease and writes the client's new messages and
// state, in one store transaction, waiting for the store until startBy
// (zero: the store's own bound).
func (m *Manager) begin(ctx context.Context, ag *agent.Agent, user string, in *agui.RunAgentInput, startBy time.Time) (*Run, error) {
	now := time.Now()
	// Set by the store's call of Reconcile, which sees the stored thread.
	var (
		plan      history.Plan
		fromStore bool
	)
	rec, thread, err := m.cfg.Store.StartRun(ctx, store.StartRun{
		RunID: in.RunID, ThreadID: in.ThreadID, User: user, Agent: ag.Name, Owner: m.cfg.Owner,
		Now: now, LeaseUntil: now.Add(m.cfg.LeaseTTL), MaxThreads: m.maxThreads(user), WaitUntil: startBy,
		Reconcile: func(stored agentd.Thread) store.Reconciled {
			plan = history.Merge(stored.Messages, in.Messages)
			var state json.RawMessage
			state, fromStore = effectiveState(in.State, stored.State)
			appended := make([]store.AppendMessage, len(plan.Append))
			for i, msg := range plan.Append {
				appended[i] = store.AppendMessage{Message: msg}
			}
			return store.Reconciled{TruncateAt: plan.TruncateAt, Append: appended, State: state,
				Refuse: m.overLimit(in.ThreadID, stored.Messages, plan)}
		},
	})
	m.metrics.storeOp("start_run", now)
	if err != nil {
		return nil, err
	}
	r := newRun(m, ag, rec)
	r.started = now
	r.version = thread.Version
	r.input = agent.Input{
		History: thread.Messages, State: thread.State, ClientTools: in.Tools,
		Context: in.Context, Instructions: plan.Instructions, Model: m.cfg.Model, NewID: uuid.NewString,
	}
	r.emit(&agui.Event{Type: agui.RunStarted, ThreadID: in.ThreadID, RunID: in.RunID, ParentRunID: in.ParentRunID})
	if fromStore {
		// The client sent no state: give it the thread's.
		r.emit(&agui.Event{Type: agui.StateSnapshot, Snapshot: thread.State})
	}
	m.cfg.Logger.Info("run started", "thread", in.ThreadID, "run", in.RunID, "agent", ag.Name,
		"history", len(r.input.History), "merge", plan.Reason)
	return r, nil
}

// overLimit refuses a run whose reconciled thread (the kept part of
// stored, then plan.Append) would be over the thread limits. stored is the
// current branch: the messages earlier forks superseded are not loaded by
// a run and count toward neither limit.
func (m *Manager) overLimit(threadID string, stored []agui.Message, plan history.Plan) error {
	keep := stored
	if plan.TruncateAt >= 0 && plan.TruncateAt < len(keep) {
		keep = keep[:plan.TruncateAt]
	}
	const advice = "; start a new thread, or delete this one"
	if limit, n := m.cfg.MaxThreadMessages, len(keep)+len(plan.Append); limit > 0 && n > limit {
		return agentd.Errorf(agentd.CodeInvalid, "thread %s would hold %d messages, over --max-thread-messages %d"+advice,
			threadID, n, limit)
	}
	limit := m.cfg.MaxThreadBytes
	if limit <= 0 {
		return nil
	}
	var size int64
	for _, msgs := range [][]agui.Message{keep, plan.Append} {
		for i := range msgs {
			size += int64(msgs[i].Size())
		}
	}
	if size > limit {
		return agentd.Errorf(agentd.CodeTooLarge, "thread %s would hold %d bytes of messages, over --max-thread-bytes %d"+advice,
			threadID, size, limit)
	}
	return nil
}

// maxThreads is the cap on the user's threads: none for LocalUser, who
// is every caller of a server without authentication.
func (m *Manager) maxThreads(user string) int {
	if user == agentd.LocalUser {
		return 0
	}
	return m.cfg.MaxThreadsPerUser
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
