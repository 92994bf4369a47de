package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/store"
)

func testStartRunCreatesThread(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	p := startParams(id("run"), id("thread"), at, time.Minute)
	cleanupThreads(t, s, p.ThreadID)

	run, th := mustStart(t, s, p)
	if run.Fence <= 0 {
		t.Fatalf("fence %d, want > 0", run.Fence)
	}
	sameRun(t, "StartRun", run, agentd.Run{
		ID: p.RunID, ThreadID: p.ThreadID, User: p.User, Agent: p.Agent, Status: agentd.RunRunning,
		Owner: p.Owner, Fence: run.Fence, LeaseUntil: p.LeaseUntil, StartedAt: at,
	})
	if th.ID != p.ThreadID || th.User != p.User || th.Agent != p.Agent || len(th.Messages) != 0 {
		t.Fatalf("new thread %+v, want id %s, user %s, agent %s, no messages", th, p.ThreadID, p.User, p.Agent)
	}
	sameState(t, "new thread", th.State, []byte(`{}`))
	sameTime(t, "new thread CreatedAt", th.CreatedAt, at)
	sameTime(t, "new thread UpdatedAt", th.UpdatedAt, at)

	got := mustGetThread(t, s, p.ThreadID)
	if got.ID != th.ID || got.User != p.User || got.Agent != th.Agent || got.Version != th.Version || len(got.Messages) != 0 {
		t.Fatalf("GetThread %+v, want %+v", got, th)
	}
	sameState(t, "GetThread", got.State, []byte(`{}`))
	sameTime(t, "GetThread CreatedAt", got.CreatedAt, at)
	sameRun(t, "GetRun", mustGetRun(t, s, p.RunID), run)
}

func testThreadBusy(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	threadID := id("thread")
	cleanupThreads(t, s, threadID)
	a, th := mustStart(t, s, startParams(id("run"), threadID, at, time.Minute))

	// Another run inside A's lease is refused and leaves no trace.
	b := startParams(id("run"), threadID, at.Add(30*time.Second), time.Minute)
	_, _, err := s.StartRun(t.Context(), b)
	wantErr(t, "StartRun while leased", err, store.ErrThreadBusy)
	_, err = s.GetRun(t.Context(), b.RunID)
	wantErr(t, "GetRun of the refused run", err, store.ErrNotFound)

	// A still holds the thread.
	mustCommit(t, s, checkpoint(a, th.Version, user(id("m"), "still mine")))
	sameRun(t, "A after the refused start", mustGetRun(t, s, a.ID), a)
}

func testRunExists(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	runID, t1, t2 := id("run"), id("thread"), id("thread")
	cleanupThreads(t, s, t1, t2)
	a, th := mustStart(t, s, startParams(runID, t1, at, time.Minute))

	_, _, err := s.StartRun(t.Context(), startParams(runID, t2, at, time.Minute))
	wantErr(t, "StartRun with a used run id on another thread", err, store.ErrRunExists)
	_, err = s.GetThread(t.Context(), suiteUser, t2)
	wantErr(t, "the refused StartRun must not create its thread", err, store.ErrNotFound)

	mustCommit(t, s, finishCheckpoint(a, th.Version, agentd.RunSucceeded, at.Add(time.Second)))
	_, _, err = s.StartRun(t.Context(), startParams(runID, t1, at.Add(2*time.Second), time.Minute))
	wantErr(t, "StartRun with a finished run's id", err, store.ErrRunExists)
}

func testFencingAfterTakeover(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	threadID := id("thread")
	cleanupThreads(t, s, threadID)
	m1 := user(id("m"), "first")

	a, th := mustStart(t, s, startParams(id("run"), threadID, at, time.Minute))
	v1 := mustCommit(t, s, checkpoint(a, th.Version, m1))

	// A's lease expired; B takes the thread over.
	takeover := at.Add(2 * time.Minute)
	b, thB := mustStart(t, s, startParams(id("run"), threadID, takeover, time.Minute))
	if b.Fence <= a.Fence {
		t.Fatalf("fence after takeover %d, want > %d", b.Fence, a.Fence)
	}
	if thB.Version != v1 {
		t.Fatalf("thread version at takeover %d, want %d", thB.Version, v1)
	}
	sameMessages(t, "thread at takeover", thB.Messages, messagesOf(m1))

	wantA := a
	wantA.Status, wantA.FinishedAt = agentd.RunInterrupted, takeover
	gotA := mustGetRun(t, s, a.ID)
	wantA.ErrorMsg = gotA.ErrorMsg // free text
	wantA.ErrorCode = "lease_expired"
	sameRun(t, "run whose lease was taken over", gotA, wantA)

	// A may not write any more, even at the right version.
	_, err := s.Commit(t.Context(), checkpoint(a, v1, user(id("m"), "too late")))
	wantErr(t, "Commit of the fenced run", err, store.ErrFenced)
	err = renewOne(t, s, a.ID, a.Fence, takeover.Add(time.Hour))
	wantErr(t, "RenewLease of the fenced run", err, store.ErrFenced)
	// B's run id with A's fence is refused too.
	stale := checkpoint(b, v1)
	stale.Fence = a.Fence
	_, err = s.Commit(t.Context(), stale)
	wantErr(t, "Commit with a stale fence", err, store.ErrFenced)

	m2 := assistant(id("m"), b.ID, "second")
	v2 := mustCommit(t, s, checkpoint(b, v1, m2))
	got := mustGetThread(t, s, threadID)
	if got.Version != v2 {
		t.Fatalf("version %d, want %d", got.Version, v2)
	}
	sameMessages(t, "thread after the new holder's commit", got.Messages, messagesOf(m1, m2))
}

func testRenewLease(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	threadID := id("thread")
	cleanupThreads(t, s, threadID)
	a, th := mustStart(t, s, startParams(id("run"), threadID, at, time.Minute))

	renewed := at.Add(10 * time.Minute)
	if err := renewOne(t, s, a.ID, a.Fence, renewed); err != nil {
		t.Fatalf("RenewLease: %v", err)
	}
	sameTime(t, "LeaseUntil after renewal", mustGetRun(t, s, a.ID).LeaseUntil, renewed)

	// The old lease end has passed but the renewed one has not.
	_, _, err := s.StartRun(t.Context(), startParams(id("run"), threadID, at.Add(5*time.Minute), time.Minute))
	wantErr(t, "StartRun inside the renewed lease", err, store.ErrThreadBusy)

	err = renewOne(t, s, a.ID, a.Fence+1, renewed.Add(time.Minute))
	wantErr(t, "RenewLease with a wrong fence", err, store.ErrFenced)
	err = renewOne(t, s, id("unknown-run"), 1, renewed)
	wantErr(t, "RenewLease of an unknown run", err, store.ErrFenced)
	sameTime(t, "LeaseUntil after refused renewals", mustGetRun(t, s, a.ID).LeaseUntil, renewed)

	mustCommit(t, s, finishCheckpoint(a, th.Version, agentd.RunSucceeded, at.Add(time.Minute)))
	err = renewOne(t, s, a.ID, a.Fence, renewed.Add(time.Hour))
	wantErr(t, "RenewLease of a finished run", err, store.ErrFenced)

	// After the renewed lease, another run may take over (the thread is
	// free anyway after the finish).
	mustStart(t, s, startParams(id("run"), threadID, renewed.Add(time.Minute), time.Minute))
}

func testFinishFreesThread(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	threadID := id("thread")
	cleanupThreads(t, s, threadID)
	m := user(id("m"), "hi")

	a, th := mustStart(t, s, startParams(id("run"), threadID, at, time.Hour))

	// A finish with a non-final status is refused and changes nothing.
	bad := finishCheckpoint(a, th.Version, agentd.RunRunning, at)
	if _, err := s.Commit(t.Context(), bad); err == nil {
		t.Fatal("Commit with Finish status running succeeded")
	}
	if got := mustGetThread(t, s, threadID); got.Version != th.Version {
		t.Fatalf("a refused commit changed the version to %d from %d", got.Version, th.Version)
	}

	cp := finishCheckpoint(a, th.Version, agentd.RunSucceeded, at.Add(time.Second))
	cp.Append = []store.AppendMessage{m}
	v := mustCommit(t, s, cp)
	wantA := a
	wantA.Status, wantA.FinishedAt = agentd.RunSucceeded, at.Add(time.Second)
	sameRun(t, "finished run", mustGetRun(t, s, a.ID), wantA)

	// A finished run can no longer write, even before anyone else starts.
	_, err := s.Commit(t.Context(), checkpoint(a, v))
	wantErr(t, "Commit of a finished run", err, store.ErrFenced)

	// A's lease would still be valid by time, but the finish freed the thread.
	b, thB := mustStart(t, s, startParams(id("run"), threadID, at.Add(2*time.Second), time.Hour))
	if b.Fence <= a.Fence {
		t.Fatalf("fence of the next run %d, want > %d", b.Fence, a.Fence)
	}
	if thB.Version != v {
		t.Fatalf("version %d, want %d", thB.Version, v)
	}
	sameMessages(t, "thread for the next run", thB.Messages, messagesOf(m))

	_, err = s.Commit(t.Context(), checkpoint(a, v))
	wantErr(t, "Commit of a finished run after the next start", err, store.ErrFenced)

	fail := finishCheckpoint(b, v, agentd.RunFailed, at.Add(3*time.Second))
	fail.Finish.ErrorCode, fail.Finish.ErrorMsg = "model_error", "upstream answered 500"
	mustCommit(t, s, fail)
	wantB := b
	wantB.Status, wantB.FinishedAt = agentd.RunFailed, at.Add(3*time.Second)
	wantB.ErrorCode, wantB.ErrorMsg = "model_error", "upstream answered 500"
	sameRun(t, "failed run", mustGetRun(t, s, b.ID), wantB)

	c, _ := mustStart(t, s, startParams(id("run"), threadID, at.Add(4*time.Second), time.Hour))
	if c.Fence <= b.Fence {
		t.Fatalf("fence of the third run %d, want > %d", c.Fence, b.Fence)
	}
}

// interruptEra is the time of testInterruptExpired. It lies after
// idleEra (testDeleteIdleThreads), so the idle test's InterruptExpired call
// cannot touch this test's runs.
var interruptEra = time.Date(2001, 3, 4, 5, 6, 7, 0, time.UTC)

func testInterruptExpired(t *testing.T, s store.Store) {
	id := ids(t)
	at := interruptEra
	tA, tB := id("thread"), id("thread")
	cleanupThreads(t, s, tA, tB)
	a, thA := mustStart(t, s, startParams(id("run"), tA, at, time.Minute))
	b, _ := mustStart(t, s, startParams(id("run"), tB, at, time.Hour))

	sweep := at.Add(5 * time.Minute)
	got, err := s.InterruptExpired(t.Context(), sweep, "instance_lost", "the instance stopped")
	if err != nil {
		t.Fatalf("InterruptExpired: %v", err)
	}
	wantA := a
	wantA.Status, wantA.FinishedAt = agentd.RunInterrupted, sweep
	wantA.ErrorCode, wantA.ErrorMsg = "instance_lost", "the instance stopped"
	found := false
	for _, r := range got {
		switch r.ID {
		case a.ID:
			found = true
			sameRun(t, "returned run", r, wantA)
		case b.ID:
			t.Fatalf("InterruptExpired returned run %s whose lease has not expired", b.ID)
		}
	}
	if !found {
		t.Fatalf("InterruptExpired did not return the expired run %s (got %d runs)", a.ID, len(got))
	}
	sameRun(t, "expired run", mustGetRun(t, s, a.ID), wantA)
	sameRun(t, "unexpired run", mustGetRun(t, s, b.ID), b)

	// A second sweep finds nothing of ours.
	got, err = s.InterruptExpired(t.Context(), sweep, "instance_lost", "again")
	if err != nil {
		t.Fatalf("InterruptExpired again: %v", err)
	}
	for _, r := range got {
		if r.ID == a.ID || r.ID == b.ID {
			t.Fatalf("second sweep returned run %s again", r.ID)
		}
	}

	// A lost its lease with the sweep.
	_, err = s.Commit(t.Context(), checkpoint(a, thA.Version))
	wantErr(t, "Commit of an interrupted run", err, store.ErrFenced)
	err = renewOne(t, s, a.ID, a.Fence, sweep.Add(time.Hour))
	wantErr(t, "RenewLease of an interrupted run", err, store.ErrFenced)

	// A's thread is free: a new run takes it without a takeover (A keeps
	// its code). B's thread is still leased.
	c, _ := mustStart(t, s, startParams(id("run"), tA, sweep, time.Minute))
	if c.Fence <= a.Fence {
		t.Fatalf("fence after the sweep %d, want > %d", c.Fence, a.Fence)
	}
	sameRun(t, "interrupted run after the next start", mustGetRun(t, s, a.ID), wantA)
	_, _, err = s.StartRun(t.Context(), startParams(id("run"), tB, sweep, time.Minute))
	wantErr(t, "StartRun on the unexpired thread", err, store.ErrThreadBusy)
}

// renewOne renews one run's lease through RenewLeases, with ErrFenced when
// the store reports it lost.
func renewOne(t *testing.T, s store.Store, runID string, fence int64, until time.Time) error {
	t.Helper()
	lost, err := s.RenewLeases(t.Context(), until, []store.Lease{{RunID: runID, Fence: fence}})
	switch {
	case err != nil:
		return err
	case len(lost) == 1 && lost[0] == runID:
		return store.ErrFenced
	case len(lost) != 0:
		t.Fatalf("RenewLeases of %s: lost %q", runID, lost)
	}
	return nil
}

// testRenewLeasesTogether renews several leases in one call: those still
// held are renewed, the others are reported and left alone.
func testRenewLeasesTogether(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	var leases []store.Lease
	var runs []agentd.Run
	for i := range 4 {
		threadID := id(fmt.Sprint("thread", i))
		cleanupThreads(t, s, threadID)
		r, th := mustStart(t, s, startParams(id("run"), threadID, at, time.Minute))
		runs = append(runs, r)
		leases = append(leases, store.Lease{RunID: r.ID, Fence: r.Fence})
		if i == 1 { // finished
			mustCommit(t, s, finishCheckpoint(r, th.Version, agentd.RunSucceeded, at))
		}
	}
	leases[2].Fence++ // a fence this run does not hold
	unknown := id("unknown-run")
	leases = append(leases, store.Lease{RunID: unknown, Fence: 1})

	renewed := at.Add(10 * time.Minute)
	lost, err := s.RenewLeases(t.Context(), renewed, leases)
	if err != nil {
		t.Fatalf("RenewLeases: %v", err)
	}
	if want := []string{runs[1].ID, runs[2].ID, unknown}; !slices.Equal(lost, want) {
		t.Fatalf("lost %q, want %q", lost, want)
	}
	for _, i := range []int{0, 3} {
		sameTime(t, "LeaseUntil of a renewed run", mustGetRun(t, s, runs[i].ID).LeaseUntil, renewed)
		_, _, err := s.StartRun(t.Context(), startParams(id("run"), runs[i].ThreadID, at.Add(5*time.Minute), time.Minute))
		wantErr(t, "StartRun inside a renewed lease", err, store.ErrThreadBusy)
	}
	sameTime(t, "LeaseUntil of the run with a wrong fence", mustGetRun(t, s, runs[2].ID).LeaseUntil, at.Add(time.Minute))
	if lost, err := s.RenewLeases(t.Context(), renewed, nil); err != nil || len(lost) != 0 {
		t.Fatalf("RenewLeases of nothing: lost %q, err %v", lost, err)
	}
}
