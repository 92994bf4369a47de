package postgres_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/store"
	"github.com/agentd/agentd/store/postgres"
)

// twoInstances opens two Stores, each with its own pool, on one fresh
// schema: two agentd processes sharing a database.
func twoInstances(t *testing.T) [2]*postgres.Store {
	url := testenv.Postgres(t)
	return [2]*postgres.Store{open(t, url), open(t, url)}
}

func userMsg(id, text string) store.AppendMessage {
	return store.AppendMessage{Message: agui.Message{ID: id, Role: agui.RoleUser, Content: agui.TextContent(text)}}
}

func messageTexts(ms []agui.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text()
	}
	return out
}

// TestInstances_OneLeaseHolder has goroutines on both instances race to
// start a run on one thread, round after round: first on the new thread
// (they race to create it), then on the thread freed by the previous
// round's winner. Each round exactly one run gets the lease, with a fence
// above every earlier one.
func TestInstances_OneLeaseHolder(t *testing.T) {
	const (
		rounds      = 10
		perInstance = 8
	)
	inst := twoInstances(t)
	at := time.Now().UTC().Truncate(time.Millisecond)
	var lastFence int64
	for round := range rounds {
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []agentd.Run
			begin   = make(chan struct{})
		)
		for i := range 2 * perInstance {
			s := inst[i%2]
			wg.Go(func() {
				<-begin
				r, _, err := s.StartRun(t.Context(), store.StartRun{
					RunID: fmt.Sprintf("r%d-%d", round, i), ThreadID: "contested", User: "u", Agent: "a",
					Owner: fmt.Sprint("instance-", i%2), Now: at, LeaseUntil: at.Add(time.Hour)})
				switch {
				case err == nil:
					mu.Lock()
					winners = append(winners, r)
					mu.Unlock()
				case !errors.Is(err, store.ErrThreadBusy):
					t.Errorf("round %d: StartRun: %v, want nil or ErrThreadBusy", round, err)
				}
			})
		}
		close(begin)
		wg.Wait()
		if t.Failed() {
			return
		}
		if len(winners) != 1 {
			t.Fatalf("round %d: %d runs got the lease, want exactly 1: %+v", round, len(winners), winners)
		}
		w := winners[0]
		if w.Fence <= lastFence {
			t.Fatalf("round %d: fence %d, want > %d", round, w.Fence, lastFence)
		}
		lastFence = w.Fence
		// The winner ends its run through the other instance's pool:
		// either may write, as long as it holds the fence.
		_, err := inst[1].Commit(t.Context(), store.Checkpoint{RunID: w.ID, ThreadID: w.ThreadID, Fence: w.Fence,
			Version: -1, TruncateAt: -1, Append: []store.AppendMessage{userMsg(w.ID+"-m", w.ID)},
			Finish: &store.Finish{Status: agentd.RunSucceeded, At: at}})
		if err != nil {
			t.Fatalf("round %d: finish %s: %v", round, w.ID, err)
		}
	}
	th, err := inst[0].GetThread(t.Context(), "u", "contested")
	if err != nil {
		t.Fatal(err)
	}
	if len(th.Messages) != rounds || th.Version != rounds {
		t.Fatalf("thread after %d rounds: %d messages, version %d; want %d and %d",
			rounds, len(th.Messages), th.Version, rounds, rounds)
	}
}

// TestInstances_FencedAfterTakeover: instance A's run lets its lease
// expire (say A was paused); instance B takes the thread over. A, resumed,
// can no longer write anything, even at the right version or with the
// version check skipped, and B's history is intact.
func TestInstances_FencedAfterTakeover(t *testing.T) {
	inst := twoInstances(t)
	a, b := inst[0], inst[1]
	ctx := t.Context()
	at := time.Now().UTC().Truncate(time.Millisecond)

	ra, th, err := a.StartRun(ctx, store.StartRun{RunID: "ra", ThreadID: "t", User: "u", Agent: "x", Owner: "A", Now: at, LeaseUntil: at.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.Commit(ctx, store.Checkpoint{RunID: ra.ID, ThreadID: "t", Fence: ra.Fence, Version: th.Version,
		TruncateAt: -1, Append: []store.AppendMessage{userMsg("m1", "from A")}})
	if err != nil {
		t.Fatal(err)
	}
	// Inside A's lease, B is refused.
	if _, _, err := b.StartRun(ctx, store.StartRun{RunID: "rb0", ThreadID: "t", User: "u", Agent: "x", Owner: "B",
		Now: at.Add(30 * time.Second), LeaseUntil: at.Add(time.Hour)}); !errors.Is(err, store.ErrThreadBusy) {
		t.Fatalf("B's StartRun inside A's lease: %v, want ErrThreadBusy", err)
	}

	takeover := at.Add(2 * time.Minute)
	rb, thB, err := b.StartRun(ctx, store.StartRun{RunID: "rb", ThreadID: "t", User: "u", Agent: "x", Owner: "B", Now: takeover, LeaseUntil: takeover.Add(time.Minute)})
	if err != nil {
		t.Fatalf("B's takeover: %v", err)
	}
	if rb.Fence <= ra.Fence || thB.Version != v {
		t.Fatalf("takeover: fence %d (A had %d), version %d (want %d)", rb.Fence, ra.Fence, thB.Version, v)
	}

	lateA := func(version int64) store.Checkpoint {
		return store.Checkpoint{RunID: ra.ID, ThreadID: "t", Fence: ra.Fence, Version: version, TruncateAt: -1}
	}
	atVersion, skipping, finishing, state, truncating := lateA(v), lateA(-1), lateA(-1), lateA(v), lateA(v)
	atVersion.Append = []store.AppendMessage{userMsg("late1", "late")}
	skipping.Append = []store.AppendMessage{userMsg("late2", "late")}
	finishing.Finish = &store.Finish{Status: agentd.RunSucceeded, At: takeover}
	state.State = []byte(`{"a":"lost"}`)
	truncating.TruncateAt = 0
	for name, cp := range map[string]store.Checkpoint{
		"at the right version": atVersion,
		"skipping the check":   skipping,
		"finishing":            finishing,
		"resetting the state":  state,
		"truncating":           truncating,
	} {
		if _, err := a.Commit(ctx, cp); !errors.Is(err, store.ErrFenced) {
			t.Fatalf("A's commit %s after the takeover: %v, want ErrFenced", name, err)
		}
	}
	if lost, err := a.RenewLeases(ctx, takeover.Add(time.Hour), []store.Lease{{RunID: ra.ID, Fence: ra.Fence}}); err != nil || len(lost) != 1 {
		t.Fatalf("A's RenewLeases after the takeover: lost %q, err %v; want A's run lost", lost, err)
	}

	if _, err := b.Commit(ctx, store.Checkpoint{RunID: rb.ID, ThreadID: "t", Fence: rb.Fence, Version: thB.Version,
		TruncateAt: -1, Append: []store.AppendMessage{userMsg("m2", "from B")}}); err != nil {
		t.Fatalf("B's commit: %v", err)
	}
	got, err := a.GetThread(ctx, "u", "t")
	if err != nil {
		t.Fatal(err)
	}
	if texts := messageTexts(got.Messages); !slices.Equal(texts, []string{"from A", "from B"}) || string(got.State) != "{}" {
		t.Fatalf("thread after the takeover: messages %q, state %s; want [from A from B], {}", texts, got.State)
	}
	gotA, err := b.GetRun(ctx, ra.ID)
	if err != nil {
		t.Fatal(err)
	}
	if gotA.Status != agentd.RunInterrupted || gotA.ErrorCode != "lease_expired" || !gotA.FinishedAt.Equal(takeover) {
		t.Fatalf("A's run after the takeover: %+v, want interrupted (lease_expired) at %v", gotA, takeover)
	}
}

// TestInstances_CommitRacesTakeover races, many times, a late commit of
// instance A's run against instance B taking the expired lease over. The
// two must serialise: either A's commit lands first, and B is handed a
// thread that contains it, or A is fenced and its message is nowhere.
// Never does A write after B got the lease.
func TestInstances_CommitRacesTakeover(t *testing.T) {
	const tries = 40
	inst := twoInstances(t)
	a, b := inst[0], inst[1]
	ctx := t.Context()
	at := time.Now().UTC().Truncate(time.Millisecond)
	landed := 0
	for i := range tries {
		threadID := fmt.Sprint("t", i)
		ra, th, err := a.StartRun(ctx, store.StartRun{RunID: threadID + "-a", ThreadID: threadID, User: "u", Agent: "x", Owner: "A", Now: at, LeaseUntil: at.Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		v, err := a.Commit(ctx, store.Checkpoint{RunID: ra.ID, ThreadID: threadID, Fence: ra.Fence, Version: th.Version,
			TruncateAt: -1, Append: []store.AppendMessage{userMsg(threadID+"-m1", "first")}})
		if err != nil {
			t.Fatal(err)
		}

		var (
			wg       sync.WaitGroup
			begin    = make(chan struct{})
			errA     error
			rb       agentd.Run
			thB      agentd.Thread
			errB     error
			takeover = at.Add(2 * time.Minute)
		)
		wg.Go(func() {
			<-begin
			_, errA = a.Commit(ctx, store.Checkpoint{RunID: ra.ID, ThreadID: threadID, Fence: ra.Fence, Version: v,
				TruncateAt: -1, Append: []store.AppendMessage{userMsg(threadID+"-late", "late from A")}})
		})
		wg.Go(func() {
			<-begin
			rb, thB, errB = b.StartRun(ctx, store.StartRun{RunID: threadID + "-b", ThreadID: threadID, User: "u", Agent: "x", Owner: "B", Now: takeover, LeaseUntil: takeover.Add(time.Minute)})
		})
		close(begin)
		wg.Wait()
		if errB != nil {
			t.Fatalf("try %d: B's takeover: %v", i, errB)
		}
		want := []string{"first"}
		switch {
		case errA == nil:
			landed++
			want = append(want, "late from A")
			if thB.Version != v+1 {
				t.Fatalf("try %d: A's commit landed but B got version %d, want %d", i, thB.Version, v+1)
			}
		case errors.Is(errA, store.ErrFenced):
			if thB.Version != v {
				t.Fatalf("try %d: A was fenced but B got version %d, want %d", i, thB.Version, v)
			}
		default:
			t.Fatalf("try %d: A's racing commit: %v, want nil or ErrFenced", i, errA)
		}
		if texts := messageTexts(thB.Messages); !slices.Equal(texts, want) {
			t.Fatalf("try %d: B was handed messages %q, want %q (A's commit error: %v)", i, texts, want, errA)
		}

		// From now on A is fenced, and B writes on top of what it was handed.
		if _, err := a.Commit(ctx, store.Checkpoint{RunID: ra.ID, ThreadID: threadID, Fence: ra.Fence, Version: -1,
			TruncateAt: -1, Append: []store.AppendMessage{userMsg(threadID+"-later", "later from A")}}); !errors.Is(err, store.ErrFenced) {
			t.Fatalf("try %d: A's commit after the takeover: %v, want ErrFenced", i, err)
		}
		if _, err := b.Commit(ctx, store.Checkpoint{RunID: rb.ID, ThreadID: threadID, Fence: rb.Fence, Version: thB.Version,
			TruncateAt: -1, Append: []store.AppendMessage{userMsg(threadID+"-b1", "from B")}}); err != nil {
			t.Fatalf("try %d: B's commit: %v", i, err)
		}
		got, err := a.GetThread(ctx, "u", threadID)
		if err != nil {
			t.Fatal(err)
		}
		if texts := messageTexts(got.Messages); !slices.Equal(texts, append(want, "from B")) {
			t.Fatalf("try %d: final messages %q, want %q", i, texts, append(want, "from B"))
		}
	}
	t.Logf("A's late commit landed before the takeover in %d of %d tries, was fenced in the others", landed, tries)
}
