package storetest

import (
	"cmp"
	"crypto/rand"
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/store"
)

// listEra is far in the future, so testListThreads' threads sort before
// those of every other test. A random offset keeps two suite runs on one
// database apart.
func listEra(t *testing.T) time.Time {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("random era: %v", err)
	}
	offset := time.Duration(binary.BigEndian.Uint32(b[:])) * time.Millisecond
	return time.Date(2900, 1, 1, 0, 0, 0, 0, time.UTC).Add(offset)
}

func testListThreads(t *testing.T, s store.Store) {
	id := ids(t)
	era := listEra(t)
	// A user of this test's own: ListThreads lists only their threads.
	owner := id("user")
	// Equal offsets make ties that only the id orders, across page ends.
	offsets := []time.Duration{0, 0, 1, 2, 2, 2, 3}
	var want []agentd.ThreadSummary
	for _, off := range offsets {
		at := era.Add(off * time.Millisecond)
		p := startParams(id("run"), id("thread"), at, time.Hour)
		p.User, p.Agent = owner, "list-agent"
		cleanupThreadsOf(t, s, owner, p.ThreadID)
		mustStart(t, s, p)
		want = append(want, agentd.ThreadSummary{ID: p.ThreadID, Agent: p.Agent, CreatedAt: at, UpdatedAt: at})
	}
	slices.SortFunc(want, func(a, b agentd.ThreadSummary) int {
		return cmp.Or(b.UpdatedAt.Compare(a.UpdatedAt), cmp.Compare(a.ID, b.ID))
	})
	// Another user's threads, in the same era, are never listed.
	other := startParams(id("run"), id("thread"), era.Add(time.Millisecond), time.Hour)
	cleanupThreads(t, s, other.ThreadID)
	mustStart(t, s, other)

	// Page by 2 to the end: every thread once, in order, and no other.
	got := listAll(t, s, store.ThreadQuery{User: owner, Limit: 2})
	if len(got) != len(want) {
		t.Fatalf("listed %v, want %v", summaryIDs(got), summaryIDs(want))
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.ID || g.Agent != w.Agent || g.MessageCount != 0 {
			t.Fatalf("thread %d: %+v, want %+v (order %v, want %v)", i, g, w, summaryIDs(got), summaryIDs(want))
		}
		sameTime(t, "summary CreatedAt", g.CreatedAt, w.CreatedAt)
		sameTime(t, "summary UpdatedAt", g.UpdatedAt, w.UpdatedAt)
	}

	_, err := s.ListThreads(t.Context(), store.ThreadQuery{User: owner, Cursor: "not a cursor!"})
	wantCode(t, "ListThreads with a bad cursor", err, agentd.CodeInvalid)
	for _, limit := range []int{-1, 501} {
		_, err := s.ListThreads(t.Context(), store.ThreadQuery{User: owner, Limit: limit})
		wantCode(t, "ListThreads with limit out of range", err, agentd.CodeInvalid)
	}
	page, err := s.ListThreads(t.Context(), store.ThreadQuery{User: owner})
	if err != nil || len(page.Threads) != len(want) || page.Next != "" {
		t.Fatalf("ListThreads with the default limit: %d threads, next %q, %v; want all %d on one page",
			len(page.Threads), page.Next, err, len(want))
	}
}

// listAll pages through q.User's threads from q and returns them, checking
// that each page keeps to its limit and the order.
func listAll(t *testing.T, s store.Store, q store.ThreadQuery) []agentd.ThreadSummary {
	t.Helper()
	var got []agentd.ThreadSummary
	for pages := 0; pages < maxPages; pages++ {
		page, err := s.ListThreads(t.Context(), q)
		if err != nil {
			t.Fatalf("ListThreads page %d: %v", pages, err)
		}
		if len(page.Threads) > q.Limit {
			t.Fatalf("page %d has %d threads, limit %d", pages, len(page.Threads), q.Limit)
		}
		if page.Next != "" && len(page.Threads) == 0 {
			t.Fatalf("page %d is empty but has a next cursor", pages)
		}
		for _, th := range page.Threads {
			if n := len(got); n > 0 && !listedBefore(got[n-1], th) {
				t.Fatalf("page %d: %s (%v) listed after %s (%v)", pages, th.ID, th.UpdatedAt, got[n-1].ID, got[n-1].UpdatedAt)
			}
			got = append(got, th)
		}
		if page.Next == "" {
			return got
		}
		q.Cursor = page.Next
	}
	t.Fatalf("ListThreads did not end after %d pages", maxPages)
	return nil
}

// listedBefore reports whether a may come before b: newer first, then by id.
func listedBefore(a, b agentd.ThreadSummary) bool {
	if !a.UpdatedAt.Equal(b.UpdatedAt) {
		return a.UpdatedAt.After(b.UpdatedAt)
	}
	return a.ID < b.ID
}

func summaryIDs(ts []agentd.ThreadSummary) []string {
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	return ids
}

func testDeleteThread(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	threadID := id("thread")
	cleanupThreads(t, s, threadID)
	a, th := mustStart(t, s, startParams(id("run"), threadID, at, time.Hour))
	cp := finishCheckpoint(a, th.Version, agentd.RunSucceeded, at.Add(time.Second))
	cp.Append = []store.AppendMessage{user(id("m"), "q"), assistant(id("m"), a.ID, "a")}
	v := mustCommit(t, s, cp)
	b, _ := mustStart(t, s, startParams(id("run"), threadID, at.Add(2*time.Second), time.Hour))

	if err := s.DeleteThread(t.Context(), suiteUser, threadID); err != nil {
		t.Fatalf("DeleteThread: %v", err)
	}
	_, err := s.GetThread(t.Context(), suiteUser, threadID)
	wantErr(t, "GetThread after delete", err, store.ErrNotFound)
	for _, r := range []string{a.ID, b.ID} {
		_, err = s.GetRun(t.Context(), r)
		wantErr(t, "GetRun after its thread's delete", err, store.ErrNotFound)
	}
	err = s.DeleteThread(t.Context(), suiteUser, threadID)
	wantErr(t, "DeleteThread twice", err, store.ErrNotFound)

	// The run that was running on it can no longer write.
	_, err = s.Commit(t.Context(), checkpoint(b, v, user(id("m"), "late")))
	wantErr(t, "Commit to a deleted thread", err, store.ErrFenced)
	err = renewOne(t, s, b.ID, b.Fence, at.Add(time.Hour))
	wantErr(t, "RenewLease on a deleted thread", err, store.ErrFenced)

	// The id can be used again, for a new empty thread.
	_, th = mustStart(t, s, startParams(id("run"), threadID, at.Add(3*time.Second), time.Hour))
	if len(th.Messages) != 0 {
		t.Fatalf("recreated thread has %d messages, want none", len(th.Messages))
	}
	sameState(t, "recreated thread", th.State, []byte(`{}`))
	sameTime(t, "recreated thread CreatedAt", th.CreatedAt, at.Add(3*time.Second))
}

// idleEra is the time of testDeleteIdleThreads; see interruptEra.
var idleEra = time.Date(1995, 6, 7, 8, 9, 10, 0, time.UTC)

func testDeleteIdleThreads(t *testing.T, s store.Store) {
	id := ids(t)
	at := idleEra
	forever := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	idle1, idle2, busy, recent := id("thread"), id("thread"), id("thread"), id("thread")
	cleanupThreads(t, s, idle1, idle2, busy, recent)

	r1, _ := mustStart(t, s, startParams(id("run"), idle1, at, time.Minute))
	mustStart(t, s, startParams(id("run"), idle2, at, time.Minute))
	// Old but running, with a lease no sweep in the suite reaches.
	p := startParams(id("run"), busy, at, 0)
	p.LeaseUntil = forever
	mustStart(t, s, p)
	// Its run has ended, but it was updated after the cut-off.
	mustStart(t, s, startParams(id("run"), recent, at.Add(2*time.Hour), time.Minute))

	// End the idle threads' runs without a commit, which would update them.
	if _, err := s.InterruptExpired(t.Context(), at.Add(10*time.Minute), "test_idle", "ended by the idle test"); err != nil {
		t.Fatalf("InterruptExpired: %v", err)
	}
	n, err := s.DeleteIdleThreads(t.Context(), at.Add(time.Hour))
	if err != nil {
		t.Fatalf("DeleteIdleThreads: %v", err)
	}
	if n < 2 {
		t.Fatalf("DeleteIdleThreads deleted %d threads, want at least our 2", n)
	}
	for _, gone := range []string{idle1, idle2} {
		_, err := s.GetThread(t.Context(), suiteUser, gone)
		wantErr(t, "GetThread of an idle thread", err, store.ErrNotFound)
	}
	_, err = s.GetRun(t.Context(), r1.ID)
	wantErr(t, "GetRun of an idle thread's run", err, store.ErrNotFound)
	mustGetThread(t, s, busy)
	mustGetThread(t, s, recent)
}

func testNotFound(t *testing.T, s store.Store) {
	id := ids(t)
	ctx := t.Context()
	_, err := s.GetThread(ctx, suiteUser, id("thread"))
	wantErr(t, "GetThread of an unknown id", err, store.ErrNotFound)
	_, err = s.GetRun(ctx, id("run"))
	wantErr(t, "GetRun of an unknown id", err, store.ErrNotFound)
	err = s.DeleteThread(ctx, suiteUser, id("thread"))
	wantErr(t, "DeleteThread of an unknown id", err, store.ErrNotFound)
	_, err = s.Commit(ctx, store.Checkpoint{RunID: id("run"), ThreadID: id("thread"), Fence: 1, TruncateAt: -1})
	wantErr(t, "Commit to an unknown thread", err, store.ErrFenced)
}

func testPing(t *testing.T, s store.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}
