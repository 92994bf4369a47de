package runs

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/coord"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/llm/sim"
)

func slowManager(t *testing.T) *Manager {
	t.Helper()
	return testManager(t, Config{Model: sim.New(sim.Config{TokensPerSecond: 20, ReplyTokens: 200})}, time.Second)
}

// testManager starts a manager with agent "a" on cfg, by default on a
// fresh SQLite store with the instant sim model. At the end it drains,
// interrupting the runs left after drain (0: waits for them).
func testManager(t *testing.T, cfg Config, drain time.Duration) *Manager {
	t.Helper()
	if cfg.Store == nil {
		cfg.Store = testenv.SQLite(t)
	}
	if cfg.Model == nil {
		cfg.Model = sim.New(sim.Config{})
	}
	cfg.Agents = []*agent.Agent{{Name: "a"}}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if drain > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, drain)
			defer cancel()
		}
		m.Drain(ctx)
	})
	return m
}

func start(t *testing.T, m *Manager, thread, run string) *Run {
	t.Helper()
	r, err := m.Start(t.Context(), Request{Agent: "a", User: agentd.LocalUser, Input: &agui.RunAgentInput{ThreadID: thread, RunID: run,
		Messages: []agui.Message{{ID: "u", Role: "user", Content: agui.TextContent("hi")}}}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func stoppedBy(t *testing.T, r *Run) error {
	t.Helper()
	select {
	case <-r.Wait():
		return context.Cause(r.ctx)
	case <-time.After(5 * time.Second):
		t.Fatalf("run %s was not stopped", r.ID)
		return nil
	}
}

// TestCancelHeardBeforeTheRunIsTracked: the store shows a run as running a
// moment before its instance tracks it; a cancel heard in between stops it
// once tracked.
func TestCancelHeardBeforeTheRunIsTracked(t *testing.T) {
	m := slowManager(t)
	m.onSignal(coord.Signal{Kind: coord.SignalCancel, RunID: "r"})
	if err := stoppedBy(t, start(t, m, "t", "r")); err != errCancelled {
		t.Fatalf("run stopped by %v, want cancelled", err)
	}
	// Heard once: a later run reusing nothing of it is not affected.
	if _, ok := m.early["r"]; ok {
		t.Fatal("the early cancel is still kept")
	}
}

func TestEarlyCancelsExpire(t *testing.T) {
	m := slowManager(t)
	now := time.Now()
	m.mu.Lock()
	m.noteEarlyCancelLocked("old", now)
	m.noteEarlyCancelLocked("new", now.Add(earlyCancelTTL+time.Second))
	_, kept := m.early["old"]
	stale := m.cancelledEarlyLocked("new", now.Add(3*earlyCancelTTL))
	m.mu.Unlock()
	if kept {
		t.Error("an expired early cancel was kept")
	}
	if stale {
		t.Error("an expired early cancel stopped a run")
	}
}

func TestInterruptSignalSparesTheRunTakingOver(t *testing.T) {
	m := slowManager(t)
	r := start(t, m, "t", "new")
	// Its own interrupt, heard after it took the thread: ignored.
	m.onSignal(coord.Signal{Kind: coord.SignalInterrupt, ThreadID: "t", Keep: "new"})
	m.onSignal(coord.Signal{Kind: coord.SignalInterrupt, ThreadID: "other"})
	m.onSignal(coord.Signal{Kind: coord.SignalCancel, RunID: "other"})
	// onSignal cancels a run before it returns, so nothing is pending.
	if err := context.Cause(r.ctx); err != nil {
		t.Fatalf("run stopped by %v", err)
	}
	m.onSignal(coord.Signal{Kind: coord.SignalInterrupt, ThreadID: "t", Keep: "newer"})
	if err := stoppedBy(t, r); err != errInterrupted {
		t.Fatalf("run stopped by %v, want interrupted", err)
	}
}
