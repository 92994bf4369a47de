package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/store"
)

// testOwnership checks that a user's thread is invisible to every other
// user: Get, Delete and List do not find it, and a StartRun on it is
// refused as for a missing thread, before the lease (even a live one) and
// without calling Reconcile, writing nothing.
func testOwnership(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	alice, bob := id("alice"), id("bob")
	threadID := id("thread")
	cleanupThreadsOf(t, s, alice, threadID)
	p := startParams(id("run"), threadID, at, time.Minute)
	p.User = alice
	a, th := mustStart(t, s, p)
	if a.User != alice || th.User != alice {
		t.Fatalf("StartRun for %s: run user %q, thread user %q", alice, a.User, th.User)
	}
	v := mustCommit(t, s, checkpoint(a, th.Version, user(id("m"), "alice's secret"), assistant(id("m"), a.ID, "noted")))
	aliceThread := func() agentd.Thread {
		t.Helper()
		th, err := s.GetThread(t.Context(), alice, threadID)
		if err != nil {
			t.Fatalf("GetThread as its user: %v", err)
		}
		return th
	}
	if got := mustGetRun(t, s, a.ID); got.User != alice {
		t.Fatalf("GetRun: user %q, want %q", got.User, alice)
	}

	_, err := s.GetThread(t.Context(), bob, threadID)
	wantErr(t, "GetThread as another user", err, store.ErrNotFound)
	err = s.DeleteThread(t.Context(), bob, threadID)
	wantErr(t, "DeleteThread as another user", err, store.ErrNotFound)
	if page, err := s.ListThreads(t.Context(), store.ThreadQuery{User: bob}); err != nil || len(page.Threads) != 0 {
		t.Fatalf("ListThreads as another user: %v, %v; want none", summaryIDs(page.Threads), err)
	}

	// While Alice's run holds the lease, and after it ended, Bob's start
	// is refused as for a missing thread: not busy, not taken over, and
	// the thread is as it was.
	refused := func(what string, at time.Time) {
		t.Helper()
		before := aliceThread()
		q := startParams(id("run"), threadID, at, time.Minute)
		q.User = bob
		called := false
		q.Reconcile = func(agentd.Thread) store.Reconciled {
			called = true
			return store.Reconciled{TruncateAt: -1}
		}
		_, _, err := s.StartRun(t.Context(), q)
		wantErr(t, what, err, store.ErrNotFound)
		if called {
			t.Fatalf("%s: Reconcile was called with the other user's thread", what)
		}
		_, err = s.GetRun(t.Context(), q.RunID)
		wantErr(t, what+": GetRun of the refused run", err, store.ErrNotFound)
		after := aliceThread()
		if after.Version != before.Version || after.User != alice {
			t.Fatalf("%s: thread version %d, user %q; want %d, %q", what, after.Version, after.User, before.Version, alice)
		}
		sameMessages(t, what, after.Messages, before.Messages)
		sameState(t, what, after.State, before.State)
		sameTime(t, what+": UpdatedAt", after.UpdatedAt, before.UpdatedAt)
	}
	refused("StartRun as another user while the thread is leased", at.Add(time.Second))
	sameRun(t, "the leased run after the refused start", mustGetRun(t, s, a.ID), a)
	mustCommit(t, s, finishCheckpoint(a, v, agentd.RunSucceeded, at.Add(2*time.Second)))
	refused("StartRun as another user on a free thread", at.Add(3*time.Second))
	if got := aliceThread(); len(got.Messages) != 2 {
		t.Fatalf("thread after the refusals has %d messages, want 2", len(got.Messages))
	}
	// No lease was taken: Alice's next run gets the very next fence.
	p = startParams(id("run"), threadID, at.Add(4*time.Second), time.Minute)
	p.User = alice
	next, _ := mustStart(t, s, p)
	if next.Fence != a.Fence+1 {
		t.Fatalf("Alice's next fence %d, want %d: a refused start took the lease", next.Fence, a.Fence+1)
	}
}

// testMaxThreads checks StartRun.MaxThreads: a new thread beyond the cap
// is refused with nothing written, runs on existing threads are not, and
// other users have caps of their own.
func testMaxThreads(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	owner, other := id("user"), id("user")
	start := func(u, threadID string, max int) error {
		p := startParams(id("run"), threadID, at, time.Minute)
		p.User, p.MaxThreads = u, max
		r, th, err := s.StartRun(t.Context(), p)
		if err == nil {
			cleanupThreadsOf(t, s, u, threadID)
			mustCommit(t, s, finishCheckpoint(r, th.Version, agentd.RunSucceeded, at))
		}
		return err
	}
	t1, t2, t3 := id("thread"), id("thread"), id("thread")
	for _, th := range []string{t1, t2} {
		if err := start(owner, th, 2); err != nil {
			t.Fatalf("StartRun within the cap: %v", err)
		}
	}
	err := start(owner, t3, 2)
	wantErr(t, "StartRun of a thread beyond the cap", err, store.ErrTooManyThreads)
	_, err = s.GetThread(t.Context(), owner, t3)
	wantErr(t, "the refused thread", err, store.ErrNotFound)
	if err := start(owner, t1, 2); err != nil {
		t.Fatalf("StartRun on an existing thread at the cap: %v", err)
	}
	if err := start(owner, t3, 0); err != nil {
		t.Fatalf("StartRun with no cap: %v", err)
	}
	if err := start(other, id("thread"), 1); err != nil {
		t.Fatalf("StartRun for another user: %v", err)
	}
	if err := s.DeleteThread(t.Context(), owner, t1); err != nil {
		t.Fatal(err)
	}
	if err := start(owner, id("thread"), 3); err != nil {
		t.Fatalf("StartRun after a delete made room: %v", err)
	}
}

// testMaxThreadsConcurrent starts runs on new threads of one user all at
// once: exactly the cap's worth are created, whatever the interleaving.
func testMaxThreadsConcurrent(t *testing.T, s store.Store) {
	const tries, max = 8, 3
	id := ids(t)
	at := now()
	owner := id("user")
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created int
	)
	for range tries {
		p := startParams(id("run"), id("thread"), at, time.Minute)
		p.User, p.MaxThreads = owner, max
		cleanupThreadsOf(t, s, owner, p.ThreadID)
		wg.Go(func() {
			_, _, err := s.StartRun(t.Context(), p)
			switch {
			case err == nil:
				mu.Lock()
				created++
				mu.Unlock()
			case !errors.Is(err, store.ErrTooManyThreads):
				t.Errorf("StartRun: %v", err)
			}
		})
	}
	wg.Wait()
	page, err := s.ListThreads(t.Context(), store.ThreadQuery{User: owner})
	if err != nil {
		t.Fatal(err)
	}
	if created != max || len(page.Threads) != max {
		t.Fatalf("%d starts succeeded and %d threads exist, want %d of each", created, len(page.Threads), max)
	}
}

// PreOwnership checks a store migrated from a database made before
// threads had users, which held threadID (with run runID): the thread and
// its run now belong to agentd.LocalUser, and to no one else.
func PreOwnership(t *testing.T, s store.Store, threadID, runID string) {
	t.Helper()
	th, err := s.GetThread(t.Context(), agentd.LocalUser, threadID)
	if err != nil {
		t.Fatalf("GetThread as %q: %v", agentd.LocalUser, err)
	}
	if th.User != agentd.LocalUser {
		t.Fatalf("migrated thread's user %q, want %q", th.User, agentd.LocalUser)
	}
	r, err := s.GetRun(t.Context(), runID)
	if err != nil || r.User != agentd.LocalUser {
		t.Fatalf("migrated run: user %q, %v; want %q", r.User, err, agentd.LocalUser)
	}
	page, err := s.ListThreads(t.Context(), store.ThreadQuery{User: agentd.LocalUser})
	if err != nil || len(page.Threads) != 1 || page.Threads[0].ID != threadID {
		t.Fatalf("ListThreads as %q: %v, %v; want [%s]", agentd.LocalUser, summaryIDs(page.Threads), err, threadID)
	}
	_, err = s.GetThread(t.Context(), "someone", threadID)
	wantErr(t, "GetThread of the migrated thread as another user", err, store.ErrNotFound)

	at := now()
	p := startParams("after-migration", threadID, at, time.Minute)
	p.User = "someone"
	_, _, err = s.StartRun(t.Context(), p)
	wantErr(t, "StartRun on the migrated thread as another user", err, store.ErrNotFound)
	p.User = agentd.LocalUser
	r, got := mustStart(t, s, p)
	if r.User != agentd.LocalUser || got.Version != th.Version || len(got.Messages) != len(th.Messages) {
		t.Fatalf("StartRun as %q on the migrated thread: run user %q, thread %+v", agentd.LocalUser, r.User, got)
	}
}
