package storetest

import (
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/store"
)

// testUsage: a checkpoint's usage adds to its run's and to its user's of
// the day, step by step; ListRuns lists a thread's runs oldest first with
// their usage; a refused commit adds nothing; deleting the thread keeps the
// user's day.
func testUsage(t *testing.T, s store.Store) {
	id := ids(t)
	owner, thread := id("user"), id("thread")
	ctx := t.Context()
	start := func(run string) (agentd.Run, int64) {
		p := startParams(run, thread, now(), time.Minute)
		p.User = owner
		r, th, err := s.StartRun(ctx, p)
		if err != nil {
			t.Fatalf("StartRun(%s): %v", run, err)
		}
		return r, th.Version
	}
	cleanupThreadsOf(t, s, owner, thread)
	wantUsage := func(what string, got, want agentd.Usage) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: usage %+v, want %+v", what, got, want)
		}
	}

	r1, v := start(id("run"))
	cp := checkpoint(r1, v, assistant(id("msg"), r1.ID, "step one"))
	cp.Usage = agentd.Usage{InputTokens: 10, OutputTokens: 5, CachedInputTokens: 2}
	v = mustCommit(t, s, cp)
	wantUsage("after one step", mustGetRun(t, s, r1.ID).Usage, cp.Usage)

	stale := checkpoint(r1, v-1)
	stale.Usage = agentd.Usage{InputTokens: 1000}
	_, err := s.Commit(ctx, stale)
	wantErr(t, "commit at a stale version", err, store.ErrVersion)

	fin := finishCheckpoint(r1, v, agentd.RunSucceeded, now())
	fin.Usage = agentd.Usage{InputTokens: 7, OutputTokens: 3, CachedInputTokens: 1}
	mustCommit(t, s, fin)
	first := agentd.Usage{InputTokens: 17, OutputTokens: 8, CachedInputTokens: 3}
	wantUsage("after the finish", mustGetRun(t, s, r1.ID).Usage, first)

	r2, _ := start(id("run"))
	fin = finishCheckpoint(r2, -1, agentd.RunFailed, now())
	fin.Usage = agentd.Usage{InputTokens: 4, OutputTokens: 1}
	if _, err := s.Commit(ctx, fin); err != nil {
		t.Fatalf("finish run 2: %v", err)
	}
	runs, err := s.ListRuns(ctx, owner, thread)
	if err != nil {
		t.Fatalf("ListRuns: %v", err)
	}
	if len(runs) != 2 || runs[0].ID != r1.ID || runs[1].ID != r2.ID {
		t.Fatalf("ListRuns = %+v, want runs %s then %s", runs, r1.ID, r2.ID)
	}
	if runs[0].Status != agentd.RunSucceeded || runs[1].Status != agentd.RunFailed || runs[1].User != owner {
		t.Errorf("ListRuns = %+v, want succeeded then failed, of %s", runs, owner)
	}
	wantUsage("listed run 1", runs[0].Usage, first)
	wantUsage("listed run 2", runs[1].Usage, fin.Usage)

	day := first.Add(fin.Usage)
	got, err := s.UserUsage(ctx, owner, time.Now())
	if err != nil {
		t.Fatalf("UserUsage: %v", err)
	}
	wantUsage("the user's day", got, day)
	if got, err := s.UserUsage(ctx, owner, time.Now().Add(-48*time.Hour)); err != nil || got != (agentd.Usage{}) {
		t.Errorf("UserUsage two days ago = %+v, %v; want none", got, err)
	}
	if got, err := s.UserUsage(ctx, id("nobody"), time.Now()); err != nil || got != (agentd.Usage{}) {
		t.Errorf("UserUsage of another user = %+v, %v; want none", got, err)
	}

	_, err = s.ListRuns(ctx, id("intruder"), thread)
	wantErr(t, "ListRuns of another user's thread", err, store.ErrNotFound)
	_, err = s.ListRuns(ctx, owner, id("missing"))
	wantErr(t, "ListRuns of a missing thread", err, store.ErrNotFound)

	if err := s.DeleteThread(ctx, owner, thread); err != nil {
		t.Fatalf("DeleteThread: %v", err)
	}
	got, err = s.UserUsage(ctx, owner, time.Now())
	if err != nil {
		t.Fatalf("UserUsage after delete: %v", err)
	}
	wantUsage("the user's day after deleting the thread", got, day)
}
