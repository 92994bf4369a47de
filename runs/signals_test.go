package runs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/coord"
	pgcoord "github.com/agentd/agentd/coord/postgres"
	rediscoord "github.com/agentd/agentd/coord/redis"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/llm/sim"
	"github.com/agentd/agentd/runs"
	"github.com/agentd/agentd/store"
)

// signalBackends open the Signals of one more instance of a test's
// deployment: every call for one t shares the backend.
var signalBackends = map[string]func(t *testing.T) func() coord.Signals{
	"redis": func(t *testing.T) func() coord.Signals {
		url, prefix := testenv.Redis(t)
		return func() coord.Signals {
			c, err := rediscoord.Open(t.Context(), url, rediscoord.Options{Prefix: prefix})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			return c
		}
	},
	"postgres": func(t *testing.T) func() coord.Signals {
		url := testenv.Postgres(t)
		return func() coord.Signals {
			e, err := pgcoord.Open(t.Context(), url, pgcoord.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { e.Close() })
			return e
		}
	},
}

// setup is a deployment of two instances for a test.
type setup struct {
	backend string // signal backend; "" for none
	policy  string // double-send policy
	fast    bool   // the model replies at once, not in about 10s
}

// instances returns two managers sharing one store and the signal backend:
// two instances of a deployment in one process.
func instances(t *testing.T, s setup) (*runs.Manager, *runs.Manager, store.Store) {
	t.Helper()
	st := testenv.SQLite(t)
	var open func() coord.Signals
	if s.backend != "" {
		open = signalBackends[s.backend](t)
	}
	model := sim.New(sim.Config{TokensPerSecond: 20, ReplyTokens: 200})
	if s.fast {
		model = sim.New(sim.Config{})
	}
	ms := make([]*runs.Manager, 2)
	for i := range ms {
		cfg := runs.Config{Store: st, Agents: []*agent.Agent{{Name: "a"}}, DoubleSend: s.policy, Model: model,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Owner: []string{"one", "two"}[i]}
		if open != nil {
			cfg.Signals = open()
		}
		m, err := runs.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			m.Drain(ctx)
		})
		ms[i] = m
	}
	return ms[0], ms[1], st
}

func startRun(t *testing.T, m *runs.Manager, thread, run string) (*runs.Run, error) {
	t.Helper()
	in := &agui.RunAgentInput{ThreadID: thread, RunID: run, State: json.RawMessage(`{}`),
		Messages: []agui.Message{{ID: "u-" + run, Role: "user", Content: agui.TextContent("hi")}}}
	return m.Start(t.Context(), runs.Request{Agent: "a", User: agentd.LocalUser, Input: in})
}

// ended waits for r to end, within d, and returns its last event.
func ended(t *testing.T, r *runs.Run, d time.Duration) agui.Event {
	t.Helper()
	select {
	case <-r.Wait():
	case <-time.After(d):
		t.Fatalf("run %s still going after %v", r.ID, d)
	}
	frames, n, _, err := r.Log.Next(t.Context(), r.Log.Len()-1, 0)
	if err != nil || n != 1 {
		t.Fatalf("last event of run %s: %d frames, %v", r.ID, n, err)
	}
	_, data, _ := bytes.Cut(frames, []byte("data: "))
	var ev agui.Event
	if err := json.Unmarshal(bytes.TrimSpace(data), &ev); err != nil {
		t.Fatalf("last event of run %s: %v", r.ID, err)
	}
	return ev
}

func forEachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, b := range []string{"redis", "postgres"} {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

func TestCancelReachesAnotherInstance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		one, two, st := instances(t, setup{backend: backend})
		r, err := startRun(t, one, "t", "r")
		if err != nil {
			t.Fatal(err)
		}
		// Cancel is best effort: send until it is heard (the listener of a
		// fresh instance may still be subscribing), as a client would retry.
		deadline := time.Now().Add(10 * time.Second)
		for !r.Done() && time.Now().Before(deadline) {
			if err := two.Cancel(t.Context(), agentd.LocalUser, "r"); err != nil && !r.Done() {
				t.Fatalf("Cancel on the other instance: %v", err)
			}
			select {
			case <-r.Wait():
			case <-time.After(500 * time.Millisecond):
			}
		}
		if ev := ended(t, r, time.Second); ev.Type != agui.RunError || ev.Code != "cancelled" {
			t.Fatalf("run ended with %s %q, want RUN_ERROR cancelled", ev.Type, ev.Code)
		}
		rec, err := st.GetRun(t.Context(), "r")
		if err != nil || rec.Status != agentd.RunCancelled {
			t.Fatalf("stored run: %s, %v; want cancelled", rec.Status, err)
		}
		// Now it has ended, on both instances.
		for i, m := range []*runs.Manager{one, two} {
			err := m.Cancel(t.Context(), agentd.LocalUser, "r")
			if agentd.ErrorCode(err) != agentd.CodeConflict || !strings.Contains(err.Error(), "already ended: cancelled") {
				t.Errorf("instance %d: Cancel of the cancelled run = %v, want conflict naming its status", i+1, err)
			}
		}
	})
}

func TestCancelOfUnknownOrEndedRun(t *testing.T) {
	one, two, _ := instances(t, setup{fast: true})
	in := &agui.RunAgentInput{ThreadID: "t", RunID: "done", Messages: []agui.Message{}}
	r, err := one.Start(t.Context(), runs.Request{Agent: "a", User: agentd.LocalUser, Input: in})
	if err != nil {
		t.Fatal(err)
	}
	if ev := ended(t, r, 5*time.Second); ev.Type != agui.RunFinished {
		t.Fatalf("run ended with %s", ev.Type)
	}
	for i, m := range []*runs.Manager{one, two} {
		err := m.Cancel(t.Context(), agentd.LocalUser, "done")
		if agentd.ErrorCode(err) != agentd.CodeConflict || !strings.Contains(err.Error(), "already ended: succeeded") {
			t.Errorf("instance %d: Cancel of a finished run = %v, want conflict", i+1, err)
		}
		if err := m.Cancel(t.Context(), agentd.LocalUser, "nope"); agentd.ErrorCode(err) != agentd.CodeNotFound {
			t.Errorf("instance %d: Cancel of an unknown run = %v, want not found", i+1, err)
		}
	}
}

func TestCancelWithoutSignalsIsRefusedForOtherInstances(t *testing.T) {
	one, two, _ := instances(t, setup{})
	r, err := startRun(t, one, "t", "r")
	if err != nil {
		t.Fatal(err)
	}
	if err := two.Cancel(t.Context(), agentd.LocalUser, "r"); agentd.ErrorCode(err) != agentd.CodeConflict {
		t.Fatalf("Cancel of another instance's run with no signals = %v, want conflict", err)
	}
	if err := one.Cancel(t.Context(), agentd.LocalUser, "r"); err != nil {
		t.Fatal(err)
	}
	if ev := ended(t, r, 5*time.Second); ev.Code != "cancelled" {
		t.Fatalf("run ended with %s %q, want cancelled", ev.Type, ev.Code)
	}
}

func TestInterruptReachesAnotherInstance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		one, two, st := instances(t, setup{backend: backend, policy: runs.DoubleSendInterrupt})
		first, err := startRun(t, one, "t", "first")
		if err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		second, err := startRun(t, two, "t", "second")
		if err != nil {
			t.Fatalf("second run on the other instance: %v", err)
		}
		if ev := ended(t, first, time.Second); ev.Type != agui.RunError || ev.Code != "interrupted" {
			t.Fatalf("first run ended with %s %q, want RUN_ERROR interrupted", ev.Type, ev.Code)
		}
		if took := time.Since(began); took > 5*time.Second {
			t.Errorf("taking the thread over took %v", took)
		}
		if err := two.Cancel(t.Context(), agentd.LocalUser, "second"); err != nil {
			t.Fatal(err)
		}
		if ev := ended(t, second, 5*time.Second); ev.Code != "cancelled" {
			t.Fatalf("second run ended with %s %q: something else stopped it", ev.Type, ev.Code)
		}
		rec, err := st.GetRun(t.Context(), "first")
		if err != nil || rec.Status != agentd.RunCancelled || rec.ErrorCode != "interrupted" {
			t.Fatalf("stored first run: %+v, %v", rec, err)
		}
	})
}

// TestInterruptWithoutSignals: the holder elsewhere cannot be reached, so
// the new run is refused at once, as under the reject policy.
func TestInterruptWithoutSignals(t *testing.T) {
	one, two, _ := instances(t, setup{policy: runs.DoubleSendInterrupt})
	first, err := startRun(t, one, "t", "first")
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	_, err = startRun(t, two, "t", "second")
	if agentd.ErrorCode(err) != agentd.CodeConflict || !errors.Is(err, store.ErrThreadBusy) {
		t.Fatalf("second run = %v, want a busy conflict", err)
	}
	if time.Since(began) > time.Second {
		t.Errorf("refused after %v: it waited for a run it cannot stop", time.Since(began))
	}
	if first.Done() {
		t.Fatal("the first run was stopped")
	}
}
