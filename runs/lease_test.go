package runs_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/llm/sim"
	"github.com/agentd/agentd/runs"
	"github.com/agentd/agentd/store"
)

// The manager keeps a long run's lease past its TTL, and a run whose lease
// is lost (here: its thread deleted) ends with RUN_ERROR lease_lost. The
// bubble's clock makes the lease lifetimes pass at once and exactly.
func TestLeaseIsKeptWhileTheRunLivesAndLosingItEndsTheRun(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testLeaseIsKept)
}

func testLeaseIsKept(t *testing.T) {
	st := testenv.SQLite(t)
	const ttl = 30 * time.Second
	m := newManager(t, runs.Config{Store: st, LeaseTTL: ttl, Model: sim.New(sim.Config{TokensPerSecond: 1, ReplyTokens: 1000})})
	in := &agui.RunAgentInput{ThreadID: "t", RunID: "r", State: json.RawMessage(`{}`),
		Messages: []agui.Message{{ID: "u", Role: "user", Content: agui.TextContent("hi")}}}
	r, err := m.Start(t.Context(), runs.Request{Agent: "a", User: agentd.LocalUser, Input: in})
	if err != nil {
		t.Fatal(err)
	}

	time.Sleep(4 * ttl) // several lease lifetimes, renewed every ttl/3
	synctest.Wait()
	now := time.Now()
	_, _, err = st.StartRun(t.Context(), store.StartRun{RunID: "other", ThreadID: "t", User: agentd.LocalUser, Agent: "a", Owner: "elsewhere",
		Now: now, LeaseUntil: now.Add(time.Minute)})
	if !errors.Is(err, store.ErrThreadBusy) || r.Done() {
		t.Fatalf("after 4 TTLs: StartRun elsewhere: %v (want ErrThreadBusy); run done: %v", err, r.Done())
	}

	if err := st.DeleteThread(t.Context(), agentd.LocalUser, "t"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.Wait():
	case <-time.After(30 * time.Second):
		t.Fatal("the run went on after losing its lease")
	}
	frames, _, _, err := r.Log.Next(t.Context(), 0, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(frames, []byte(`"code":"lease_lost"`)) {
		t.Fatalf("the run's events end without RUN_ERROR lease_lost:\n%s", frames[max(0, len(frames)-300):])
	}
}
