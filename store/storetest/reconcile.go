package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/store"
)

// reconciling is p with a Reconcile that records the thread it was given
// in *seen, counts its calls and returns rec.
func reconciling(p store.StartRun, rec store.Reconciled, seen *agentd.Thread, calls *int) store.StartRun {
	p.Reconcile = func(th agentd.Thread) store.Reconciled {
		*calls++
		*seen = th
		return rec
	}
	return p
}

// sameThread fails unless the thread StartRun returned is the one stored.
func sameThread(t *testing.T, what string, s store.Store, got agentd.Thread) {
	t.Helper()
	stored := mustGetThread(t, s, got.ID)
	if got.Version != stored.Version || got.Agent != stored.Agent {
		t.Fatalf("%s: returned version %d, agent %q; stored %d, %q", what, got.Version, got.Agent, stored.Version, stored.Agent)
	}
	sameMessages(t, what+": returned vs stored", got.Messages, stored.Messages)
	sameState(t, what+": returned vs stored", got.State, stored.State)
	sameTime(t, what+": returned vs stored CreatedAt", got.CreatedAt, stored.CreatedAt)
	sameTime(t, what+": returned vs stored UpdatedAt", got.UpdatedAt, stored.UpdatedAt)
}

// testStartRunReconcile: a StartRun with Reconcile writes what Reconcile
// returns, on a new thread and as a fork of an old one, and returns the
// thread as written; without Reconcile it writes nothing but the lease.
func testStartRunReconcile(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	threadID := id("thread")
	cleanupThreads(t, s, threadID)
	var (
		seen  agentd.Thread
		calls int
	)

	// A new thread: Reconcile sees it empty and fills it.
	q1 := user(id("m"), "first question")
	p := reconciling(startParams(id("run"), threadID, at, time.Hour),
		store.Reconciled{TruncateAt: -1, Append: []store.AppendMessage{q1}, State: json.RawMessage(`{"step":1}`)}, &seen, &calls)
	a, th := mustStart(t, s, p)
	if calls != 1 {
		t.Fatalf("Reconcile called %d times, want 1", calls)
	}
	if seen.ID != threadID || len(seen.Messages) != 0 {
		t.Fatalf("Reconcile of a new thread saw %+v, want thread %s with no messages", seen, threadID)
	}
	sameState(t, "state Reconcile saw on a new thread", seen.State, []byte(`{}`))
	if th.Version != seen.Version+1 {
		t.Fatalf("version after reconciling %d, want %d", th.Version, seen.Version+1)
	}
	sameMessages(t, "new thread after reconciling", th.Messages, messagesOf(q1))
	sameState(t, "new thread after reconciling", th.State, []byte(`{"step":1}`))
	sameTime(t, "new thread CreatedAt", th.CreatedAt, at)
	sameThread(t, "new thread", s, th)

	// The run holds the lease at the returned version.
	a1, q2, a2 := assistant(id("m"), a.ID, "one"), user(id("m"), "second"), assistant(id("m"), a.ID, "two")
	cp := finishCheckpoint(a, th.Version, agentd.RunSucceeded, at.Add(time.Second))
	cp.Append, cp.State = []store.AppendMessage{a1, q2, a2}, json.RawMessage(`{"step":2}`)
	v := mustCommit(t, s, cp)

	// A fork: the second question is edited, and the new answer reuses the
	// id of the old one, which the truncation frees.
	edited, again := user(id("m"), "second, edited"), assistant(a2.ID, id("run"), "two, again")
	calls = 0
	p = reconciling(startParams(id("run"), threadID, at.Add(2*time.Second), time.Hour),
		store.Reconciled{TruncateAt: 2, Append: []store.AppendMessage{edited, again}, State: json.RawMessage(`{"step":3}`)}, &seen, &calls)
	b, th := mustStart(t, s, p)
	if calls != 1 {
		t.Fatalf("Reconcile called %d times, want 1", calls)
	}
	if seen.Version != v {
		t.Fatalf("Reconcile saw version %d, want %d", seen.Version, v)
	}
	sameMessages(t, "thread Reconcile saw", seen.Messages, messagesOf(q1, a1, q2, a2))
	sameState(t, "thread Reconcile saw", seen.State, []byte(`{"step":2}`))
	if th.Version != v+1 {
		t.Fatalf("version after the fork %d, want %d", th.Version, v+1)
	}
	sameMessages(t, "returned thread after the fork", th.Messages, messagesOf(q1, a1, edited, again))
	sameState(t, "returned thread after the fork", th.State, []byte(`{"step":3}`))
	sameThread(t, "after the fork", s, th)
	if sum := findSummary(t, s, threadID); sum.MessageCount != 4 {
		t.Fatalf("message count after the fork %d, want 4", sum.MessageCount)
	}
	v = mustCommit(t, s, finishCheckpoint(b, th.Version, agentd.RunSucceeded, at.Add(3*time.Second)))

	// Without Reconcile, nothing but the lease is written.
	before := mustGetThread(t, s, threadID)
	c, th := mustStart(t, s, startParams(id("run"), threadID, at.Add(4*time.Second), time.Hour))
	if th.Version != v {
		t.Fatalf("version after a StartRun without Reconcile %d, want %d", th.Version, v)
	}
	sameThread(t, "after a StartRun without Reconcile", s, th)
	sameTime(t, "UpdatedAt after a StartRun without Reconcile", th.UpdatedAt, before.UpdatedAt)
	v = mustCommit(t, s, finishCheckpoint(c, v, agentd.RunSucceeded, at.Add(5*time.Second)))

	// A Reconcile that changes nothing still writes a version.
	p = reconciling(startParams(id("run"), threadID, at.Add(6*time.Second), time.Hour),
		store.Reconciled{TruncateAt: -1}, &seen, &calls)
	d, th := mustStart(t, s, p)
	if th.Version != v+1 {
		t.Fatalf("version after an empty reconciliation %d, want %d", th.Version, v+1)
	}
	sameMessages(t, "after an empty reconciliation", th.Messages, messagesOf(q1, a1, edited, again))
	sameThread(t, "after an empty reconciliation", s, th)
	v = mustCommit(t, s, finishCheckpoint(d, th.Version, agentd.RunSucceeded, at.Add(7*time.Second)))

	// The zero Reconciled truncates at 0: it empties the thread.
	p = reconciling(startParams(id("run"), threadID, at.Add(8*time.Second), time.Hour),
		store.Reconciled{}, &seen, &calls)
	_, th = mustStart(t, s, p)
	if th.Version != v+1 || len(th.Messages) != 0 {
		t.Fatalf("after the zero Reconciled: version %d, %d messages; want %d, none", th.Version, len(th.Messages), v+1)
	}
	sameState(t, "after the zero Reconciled", th.State, []byte(`{"step":3}`))
	sameThread(t, "after the zero Reconciled", s, th)
}

// testStartRunReconcileRefused: a StartRun whose reconciliation fails
// writes nothing at all, not even the lease; and a StartRun refused before
// the reconciliation does not call Reconcile.
func testStartRunReconcileRefused(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	threadID, fresh := id("thread"), id("thread")
	cleanupThreads(t, s, threadID, fresh)
	a, th := mustStart(t, s, startParams(id("run"), threadID, at, time.Minute))
	m := user(id("m"), "one")
	v := mustCommit(t, s, checkpoint(a, th.Version, m))
	before := mustGetThread(t, s, threadID)

	// A's lease has expired, so each of these would take the thread over.
	takeover := at.Add(2 * time.Minute)
	twice := user(id("m"), "twice")
	for _, tc := range []struct {
		name     string
		rec      store.Reconciled
		conflict bool // else another error: the result is invalid
	}{
		{"an id already in the thread", store.Reconciled{TruncateAt: -1,
			Append: []store.AppendMessage{user(id("m"), "new"), user(m.ID, "again")}, State: json.RawMessage(`{"lost":true}`)}, true},
		{"an id twice in Append", store.Reconciled{TruncateAt: -1, Append: []store.AppendMessage{twice, twice}}, true},
		{"an id the truncation keeps", store.Reconciled{TruncateAt: 1, Append: []store.AppendMessage{user(m.ID, "again")}}, true},
		{"an id twice after truncating", store.Reconciled{TruncateAt: 0,
			Append: []store.AppendMessage{twice, twice}, State: json.RawMessage(`{"lost":true}`)}, true},
		{"state that is not JSON", store.Reconciled{TruncateAt: 0,
			Append: []store.AppendMessage{user(id("m"), "new")}, State: json.RawMessage(`{"lost":`)}, false},
	} {
		var (
			seen  agentd.Thread
			calls int
		)
		p := reconciling(startParams(id("run"), threadID, takeover, time.Hour), tc.rec, &seen, &calls)
		_, _, err := s.StartRun(t.Context(), p)
		if err == nil {
			t.Fatalf("StartRun reconciling with %s succeeded", tc.name)
		}
		if errors.Is(err, store.ErrThreadBusy) || errors.Is(err, store.ErrRunExists) {
			t.Fatalf("StartRun reconciling with %s: %v, want an error of the reconciliation", tc.name, err)
		}
		if tc.conflict {
			wantCode(t, "StartRun reconciling with "+tc.name, err, agentd.CodeConflict)
		}
		if calls != 1 {
			t.Fatalf("StartRun reconciling with %s called Reconcile %d times, want 1", tc.name, calls)
		}
		_, err = s.GetRun(t.Context(), p.RunID)
		wantErr(t, "GetRun of a run whose reconciliation failed", err, store.ErrNotFound)
	}
	got := mustGetThread(t, s, threadID)
	if got.Version != v {
		t.Fatalf("version after failed reconciliations %d, want %d", got.Version, v)
	}
	sameMessages(t, "after failed reconciliations", got.Messages, before.Messages)
	sameState(t, "after failed reconciliations", got.State, before.State)
	sameTime(t, "UpdatedAt after failed reconciliations", got.UpdatedAt, before.UpdatedAt)
	// A was neither interrupted nor fenced out: no one took the lease.
	sameRun(t, "the holder after failed reconciliations", mustGetRun(t, s, a.ID), a)
	v = mustCommit(t, s, checkpoint(a, v, user(id("m"), "A still writes")))

	// A new thread whose reconciliation fails is not created.
	var (
		seen  agentd.Thread
		calls int
	)
	p := reconciling(startParams(id("run"), fresh, at, time.Hour),
		store.Reconciled{TruncateAt: -1, Append: []store.AppendMessage{twice, twice}}, &seen, &calls)
	_, _, err := s.StartRun(t.Context(), p)
	wantCode(t, "StartRun on a new thread reconciling with an id twice", err, agentd.CodeConflict)
	_, err = s.GetThread(t.Context(), suiteUser, fresh)
	wantErr(t, "GetThread of a new thread whose reconciliation failed", err, store.ErrNotFound)

	// Refused before reconciling: Reconcile is not called.
	calls = 0
	busy := reconciling(startParams(id("run"), threadID, at.Add(30*time.Second), time.Hour),
		store.Reconciled{TruncateAt: 0}, &seen, &calls)
	_, _, err = s.StartRun(t.Context(), busy)
	wantErr(t, "StartRun reconciling on a busy thread", err, store.ErrThreadBusy)
	used := reconciling(startParams(a.ID, fresh, at, time.Hour), store.Reconciled{TruncateAt: 0}, &seen, &calls)
	_, _, err = s.StartRun(t.Context(), used)
	wantErr(t, "StartRun reconciling with a used run id", err, store.ErrRunExists)
	if calls != 0 {
		t.Fatalf("refused StartRuns called Reconcile %d times, want 0", calls)
	}
	if got := mustGetThread(t, s, threadID); got.Version != v || len(got.Messages) != 2 {
		t.Fatalf("after refused StartRuns: version %d, %d messages; want %d, 2", got.Version, len(got.Messages), v)
	}
}

// testStartRunRefuse: a Reconcile that sets Refuse fails StartRun with
// that error, and nothing is written: no run, no lease taken over, no new
// thread; the thread takes a run at once afterwards.
func testStartRunRefuse(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	threadID, fresh := id("thread"), id("thread")
	cleanupThreads(t, s, threadID, fresh)
	a, th := mustStart(t, s, startParams(id("run"), threadID, at, time.Minute))
	v := mustCommit(t, s, checkpoint(a, th.Version, user(id("m"), "one")))
	before := mustGetThread(t, s, threadID)
	refusal := agentd.Errorf(agentd.CodeTooLarge, "the thread is full")

	// A's lease has expired, so the run would take the thread over.
	var (
		seen  agentd.Thread
		calls int
	)
	takeover := at.Add(2 * time.Minute)
	p := reconciling(startParams(id("run"), threadID, takeover, time.Hour), store.Reconciled{TruncateAt: 0,
		Append: []store.AppendMessage{user(id("m"), "new")}, State: json.RawMessage(`{"lost":true}`), Refuse: refusal}, &seen, &calls)
	_, _, err := s.StartRun(t.Context(), p)
	wantErr(t, "StartRun with a refusing Reconcile", err, refusal)
	if calls != 1 || len(seen.Messages) != 1 {
		t.Fatalf("Reconcile called %d times and saw %d messages, want once and 1", calls, len(seen.Messages))
	}
	_, err = s.GetRun(t.Context(), p.RunID)
	wantErr(t, "GetRun of a refused run", err, store.ErrNotFound)
	got := mustGetThread(t, s, threadID)
	if got.Version != v {
		t.Fatalf("version after a refusal %d, want %d", got.Version, v)
	}
	sameMessages(t, "after a refusal", got.Messages, before.Messages)
	sameState(t, "after a refusal", got.State, before.State)
	sameTime(t, "UpdatedAt after a refusal", got.UpdatedAt, before.UpdatedAt)
	sameRun(t, "the holder after a refusal", mustGetRun(t, s, a.ID), a)

	// A new thread is not created.
	p = reconciling(startParams(id("run"), fresh, at, time.Hour),
		store.Reconciled{TruncateAt: -1, Append: []store.AppendMessage{user(id("m"), "new")}, Refuse: refusal}, &seen, &calls)
	_, _, err = s.StartRun(t.Context(), p)
	wantErr(t, "StartRun on a new thread with a refusing Reconcile", err, refusal)
	_, err = s.GetThread(t.Context(), suiteUser, fresh)
	wantErr(t, "GetThread of a new thread whose run was refused", err, store.ErrNotFound)

	// The refusal held no lease: a run starts at once.
	mustCommit(t, s, finishCheckpoint(a, v, agentd.RunSucceeded, at.Add(time.Second)))
	mustStart(t, s, startParams(id("run"), threadID, at.Add(2*time.Second), time.Hour))
}
