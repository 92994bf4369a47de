package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/store"
)

const (
	// concurrentRuns each run start → 3 commits → finish on their own thread.
	concurrentRuns = 50
	// racers all try to start a run on one thread at once.
	racers = 20
)

// testConcurrency runs many independent runs and a race for one thread at
// the same moment. The store must neither fail nor mix them up, and
// exactly one racer must win and write.
func testConcurrency(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	contested := id("contested")
	threadIDs := make([]string, concurrentRuns)
	for i := range threadIDs {
		threadIDs[i] = id("thread")
	}
	cleanupThreads(t, s, append(threadIDs, contested)...)

	var (
		wg      sync.WaitGroup
		begin   = make(chan struct{})
		mu      sync.Mutex
		winners []string
	)
	for i := range concurrentRuns {
		wg.Go(func() {
			<-begin
			if err := oneRun(t, s, id("run"), threadIDs[i], at); err != nil {
				t.Errorf("run on %s: %v", threadIDs[i], err)
			}
		})
	}
	for range racers {
		wg.Go(func() {
			<-begin
			runID := id("racer")
			// Each racer would add its message: only the winner's lands.
			p := startParams(runID, contested, at, time.Hour)
			p.Reconcile = func(agentd.Thread) store.Reconciled {
				return store.Reconciled{TruncateAt: -1, Append: []store.AppendMessage{user(runID+"-m", runID)}}
			}
			_, _, err := s.StartRun(t.Context(), p)
			switch {
			case err == nil:
				mu.Lock()
				winners = append(winners, runID)
				mu.Unlock()
			case !errors.Is(err, store.ErrThreadBusy):
				t.Errorf("racing StartRun: %v, want nil or ErrThreadBusy", err)
			}
		})
	}
	close(begin)
	wg.Wait()
	if t.Failed() {
		return
	}

	if len(winners) != 1 {
		t.Fatalf("%d racers started a run on one thread, want exactly 1: %v", len(winners), winners)
	}
	if r := mustGetRun(t, s, winners[0]); r.Status != agentd.RunRunning || r.ThreadID != contested {
		t.Fatalf("winning run %+v, want running on %s", r, contested)
	}
	if th := mustGetThread(t, s, contested); len(th.Messages) != 1 || th.Messages[0].Text() != winners[0] {
		t.Fatalf("contested thread holds %s, want only the message of the winner %s", messageIDs(th.Messages), winners[0])
	}
	for _, tid := range threadIDs {
		th := mustGetThread(t, s, tid)
		if len(th.Messages) != 6 {
			t.Fatalf("thread %s has %d messages, want 6", tid, len(th.Messages))
		}
		for i, m := range th.Messages {
			if want := fmt.Sprintf("%s/%d", tid, i); m.Text() != want {
				t.Fatalf("thread %s message %d is %q, want %q", tid, i, m.Text(), want)
			}
		}
	}
}

// oneRun starts a run, commits three checkpoints of two messages each and
// finishes it, checking each step. It runs on its own goroutine, so it
// reports errors instead of failing the test.
func oneRun(t *testing.T, s store.Store, runID, threadID string, at time.Time) error {
	r, th, err := s.StartRun(t.Context(), startParams(runID, threadID, at, time.Hour))
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	v := th.Version
	for step := range 3 {
		cp := checkpoint(r, v,
			user(fmt.Sprintf("%s-u%d", runID, step), fmt.Sprintf("%s/%d", threadID, 2*step)),
			assistant(fmt.Sprintf("%s-a%d", runID, step), runID, fmt.Sprintf("%s/%d", threadID, 2*step+1)))
		nv, err := s.Commit(t.Context(), cp)
		if err != nil {
			return fmt.Errorf("commit %d: %w", step, err)
		}
		if nv != v+1 {
			return fmt.Errorf("commit %d: version %d, want %d", step, nv, v+1)
		}
		v = nv
	}
	if _, err := s.Commit(t.Context(), finishCheckpoint(r, v, agentd.RunSucceeded, at.Add(time.Second))); err != nil {
		return fmt.Errorf("finish: %w", err)
	}
	got, err := s.GetRun(t.Context(), runID)
	if err != nil {
		return fmt.Errorf("get run: %w", err)
	}
	if got.Status != agentd.RunSucceeded {
		return fmt.Errorf("run status %s, want succeeded", got.Status)
	}
	return nil
}
