package runs

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/llm/sim"
)

// endedRun runs one instant turn to its end and returns the run, still
// kept by its manager for rejoining clients.
func endedRun(t *testing.T) (*Manager, *Run) {
	t.Helper()
	m := testManager(t, Config{}, 0)
	r := start(t, m, "t", "r")
	select {
	case <-r.Wait():
	case <-time.After(5 * time.Second):
		t.Fatal("the run did not end")
	}
	return m, r
}

// A run that ended normally must not stay among the base context's
// children: that held ~1 KB per completed run forever (found by
// bench/idle.sh).
func TestRunThatEndedNormallyReleasesItsContext(t *testing.T) {
	t.Parallel()
	_, r := endedRun(t)
	if r.ctx.Err() == nil {
		t.Fatal("an ended run's context is still live, so the manager's base context keeps it")
	}
}

// A finished run is kept for rejoining clients within a bound counted in
// log bytes; it must hold its log, not the conversation it was given.
func TestFinishedRunKeepsNoConversation(t *testing.T) {
	t.Parallel()
	m, r := endedRun(t)
	if _, ok := m.Get(r.ID); !ok {
		t.Fatal("the finished run is not kept for rejoining")
	}
	if r.input.History != nil || r.last != nil {
		t.Fatalf("the finished run still holds %d history messages and its last checkpoint %v", len(r.input.History), r.last != nil)
	}
}

// Finished runs leave memory once their rejoin window has passed, even if
// no other run starts or ends to notice: the lease renewer's next tick
// forgets them.
func TestQuietInstanceForgetsExpiredRuns(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const ttl = 30 * time.Second // the renewer ticks every 10s
		m := testManager(t, Config{LeaseTTL: ttl, Retain: time.Second}, 0)
		r := start(t, m, "t", "r")
		<-r.Wait()
		kept := func() (int, int64) {
			synctest.Wait() // the renewer has done what its tick does
			m.mu.Lock()
			defer m.mu.Unlock()
			return len(m.runs), m.kept
		}
		time.Sleep(ttl/3 - time.Millisecond)
		if n, _ := kept(); n != 1 {
			t.Fatalf("%d runs kept before the renewer's first tick, want the finished one", n)
		}
		time.Sleep(time.Millisecond)
		if n, b := kept(); n != 0 || b != 0 {
			t.Fatalf("at the tick after its window a finished run is still kept (%d runs, %d bytes)", n, b)
		}
	})
}

// Renewing more leases than one batch holds renews every one of them.
func TestRenewAllRenewsEveryBatch(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		st := testenv.SQLite(t)
		m := testManager(t, Config{Store: st, LeaseTTL: time.Hour, // no tick during the test
			Model: sim.New(sim.Config{TokensPerSecond: 1, ReplyTokens: 1000})}, time.Millisecond)
		n := 2*renewBatch + 1
		for i := range n {
			start(t, m, fmt.Sprint("t", i), fmt.Sprint("r", i))
		}
		synctest.Wait() // every run is streaming its first reply token
		leased := m.leased()
		if len(leased) != n {
			t.Fatalf("%d of %d runs are running", len(leased), n)
		}
		until := time.Now().Add(2 * time.Hour).Truncate(time.Millisecond)
		m.renewAll(leased, until, 10*time.Second)
		for i := range n {
			r, err := st.GetRun(t.Context(), fmt.Sprint("r", i))
			if err != nil || !r.LeaseUntil.Equal(until) {
				t.Fatalf("run %d: lease until %v (err %v), want %v", i, r.LeaseUntil, err, until)
			}
		}
	})
}
