package runs

import (
	"fmt"
	"testing"
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
// no other run starts or ends to notice.
func TestQuietInstanceForgetsExpiredRuns(t *testing.T) {
	t.Parallel()
	m := testManager(t, Config{LeaseTTL: 30 * time.Millisecond, Retain: time.Millisecond}, 0)
	r := start(t, m, "t", "r")
	<-r.Wait()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		m.mu.Lock()
		n, kept := len(m.runs), m.kept
		m.mu.Unlock()
		if n == 0 && kept == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("5s after its window a finished run is still kept (%d runs, %d bytes)", n, kept)
		}
	}
}

// Renewing more leases than one batch holds renews every one of them.
func TestRenewAllRenewsEveryBatch(t *testing.T) {
	t.Parallel()
	st := testenv.SQLite(t)
	m := testManager(t, Config{Store: st, LeaseTTL: time.Hour, // no tick during the test
		Model: sim.New(sim.Config{TokensPerSecond: 1, ReplyTokens: 1000})}, time.Millisecond)
	n := 2*renewBatch + 1
	for i := range n {
		start(t, m, fmt.Sprint("t", i), fmt.Sprint("r", i))
	}
	var leased []*Run
	for deadline := time.Now().Add(10 * time.Second); len(leased) < n; leased = m.leased() {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d runs are running", len(leased), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	until := time.Now().Add(2 * time.Hour).Truncate(time.Millisecond)
	m.renewAll(leased, until, 10*time.Second)
	for i := range n {
		r, err := st.GetRun(t.Context(), fmt.Sprint("r", i))
		if err != nil || !r.LeaseUntil.Equal(until) {
			t.Fatalf("run %d: lease until %v (err %v), want %v", i, r.LeaseUntil, err, until)
		}
	}
}
