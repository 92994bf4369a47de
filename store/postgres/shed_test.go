package postgres_test

import (
	"errors"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/store"
	"github.com/agentd/agentd/store/postgres"
	"github.com/agentd/agentd/store/storetest"
)

func startOf(runID, threadID string) store.StartRun {
	now := time.Now()
	return store.StartRun{RunID: runID, ThreadID: threadID, User: agentd.LocalUser, Agent: "a", Owner: "A", Now: now, LeaseUntil: now.Add(time.Minute)}
}

// finish ends run r, of a thread at version, with a Commit.
func finish(t *testing.T, s *postgres.Store, r agentd.Run, version int64, msgs ...store.AppendMessage) {
	t.Helper()
	if _, err := s.Commit(t.Context(), store.Checkpoint{RunID: r.ID, ThreadID: r.ThreadID, Fence: r.Fence, Version: version,
		TruncateAt: -1, Append: msgs, Finish: &store.Finish{Status: agentd.RunSucceeded}}); err != nil {
		t.Fatalf("Commit ending run %s: %v", r.ID, err)
	}
}

// wroteNothing checks that a refused StartRun left no run and no thread.
func wroteNothing(t *testing.T, s *postgres.Store, runID, threadID string) {
	t.Helper()
	if _, err := s.GetRun(t.Context(), runID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetRun %s after its refusal: %v, want ErrNotFound", runID, err)
	}
	if _, err := s.GetThread(t.Context(), agentd.LocalUser, threadID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetThread %s after its refusal: %v, want ErrNotFound", threadID, err)
	}
}

// With every place for new runs taken, a new StartRun is refused with
// store.ErrBusy (at once when enough already wait, else at its bound)
// and writes nothing, while a run in progress still commits; a start that
// waits within its bound goes through once a place frees up. ShedWait is
// a minute: a refusal that waited for it would time the test out.
func TestShed_NewRunsRefusedWhileRunsInProgressCommit(t *testing.T) {
	s, err := postgres.Open(t.Context(), testenv.Postgres(t), postgres.Options{
		MaxConns: 3, ShedQueue: 1, ShedWait: time.Minute, ReadWait: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()

	// The run in progress.
	r0, th0, err := s.StartRun(ctx, startOf("r0", "t0"))
	if err != nil {
		t.Fatal(err)
	}

	// A thread that exists, for a delete to wait on below.
	pre, _, err := s.StartRun(ctx, startOf("pre", "t-held-1"))
	if err != nil {
		t.Fatal(err)
	}
	finish(t, s, pre, 0)

	// Two slow starts take both places for new runs (MaxConns-1).
	release1 := storetest.HoldStart(t, s, "held-1", "t-held-1")
	release2 := storetest.HoldStart(t, s, "held-2", "t-held-2")

	// A start bounded by its WaitUntil is refused there.
	p := startOf("r-until", "t-until")
	p.WaitUntil = time.Now().Add(50 * time.Millisecond)
	if _, _, err := s.StartRun(ctx, p); !errors.Is(err, store.ErrBusy) {
		t.Fatalf("StartRun past its WaitUntil: %v, want ErrBusy", err)
	}
	wroteNothing(t, s, "r-until", "t-until")

	// Two more: one waits (ShedQueue 1), the other is refused at once.
	type outcome struct {
		run string
		err error
	}
	outcomes := make(chan outcome, 2)
	for _, id := range []string{"a", "b"} {
		go func() {
			_, _, err := s.StartRun(ctx, startOf("r-"+id, "t-"+id))
			outcomes <- outcome{id, err}
		}()
	}
	refused := <-outcomes
	if !errors.Is(refused.err, store.ErrBusy) {
		t.Fatalf("StartRun r-%s with a full queue: %v, want ErrBusy", refused.run, refused.err)
	}
	wroteNothing(t, s, "r-"+refused.run, "t-"+refused.run)

	// The run in progress is not refused: it ends on the connection the
	// new runs may not take.
	finish(t, s, r0, th0.Version, userMsg("m0", "hello"))

	// A delete waiting for a held thread's lock takes that last connection:
	// a read now waits ReadWait for one and is refused, not kept waiting.
	deleted := make(chan error, 1)
	go func() { deleted <- s.DeleteThread(ctx, agentd.LocalUser, "t-held-1") }()
	for {
		_, err := s.GetThread(ctx, agentd.LocalUser, "t0")
		if errors.Is(err, store.ErrBusy) {
			break
		}
		if err != nil {
			t.Fatalf("GetThread: %v", err)
		}
		select {
		case err := <-deleted:
			t.Fatalf("DeleteThread of a locked thread returned early: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}

	// Once the slow starts end, everything waiting goes through.
	release1()
	release2()
	if err := <-deleted; err != nil {
		t.Errorf("DeleteThread: %v", err)
	}
	waited := <-outcomes
	if waited.err != nil {
		t.Errorf("StartRun r-%s that waited within its bound: %v", waited.run, waited.err)
	}
	th, err := s.GetThread(ctx, agentd.LocalUser, "t0")
	if err != nil || len(th.Messages) != 1 {
		t.Errorf("thread t0 after the commit: %d messages, %v", len(th.Messages), err)
	}
	if r, err := s.GetRun(ctx, "r0"); err != nil || r.Status != agentd.RunSucceeded {
		t.Errorf("run r0: %+v, %v; want succeeded", r, err)
	}
}
