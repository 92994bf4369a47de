package runs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/llm/sim"
	"github.com/agentd/agentd/runs"
)

// newManager starts a manager with agent "a" on cfg, by default on a
// fresh SQLite store with the instant sim model and logging nowhere; it
// drains at the end.
func newManager(t *testing.T, cfg runs.Config) *runs.Manager {
	t.Helper()
	if cfg.Store == nil {
		cfg.Store = testenv.SQLite(t)
	}
	if cfg.Model == nil {
		cfg.Model = sim.New(sim.Config{})
	}
	cfg.Agents = []*agent.Agent{{Name: "a"}}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m, err := runs.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Drain(context.Background()) })
	return m
}

func run(t *testing.T, m *runs.Manager, i int) *runs.Run {
	t.Helper()
	in := &agui.RunAgentInput{ThreadID: fmt.Sprint("t", i), RunID: fmt.Sprint("r", i), State: json.RawMessage(`{}`),
		Messages: []agui.Message{{ID: "u", Role: "user", Content: agui.TextContent("hi")}}}
	r, err := m.Start(context.Background(), runs.Request{Agent: "a", User: agentd.LocalUser, Input: in})
	if err != nil {
		t.Fatal(err)
	}
	<-r.Wait()
	return r
}

func TestFinishedRunsAreKeptWithinTheMemoryBound(t *testing.T) {
	t.Parallel()
	m := newManager(t, runs.Config{Retain: time.Hour, RetainBytes: 1})
	for i := 0; i < 3; i++ {
		run(t, m, i)
	}
	if _, ok := m.Get("r0"); ok {
		t.Error("the oldest finished run is still kept past the memory bound")
	}
	if _, ok := m.Get("r2"); !ok {
		t.Error("the newest finished run was dropped at once")
	}
}

// A finished run is kept for its rejoin window, and not a moment longer.
func TestFinishedRunsExpire(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const retain = time.Minute
		m := newManager(t, runs.Config{Retain: retain, LeaseTTL: time.Hour}) // no renewer tick meanwhile
		run(t, m, 0)
		time.Sleep(retain)
		if _, ok := m.Get("r0"); !ok {
			t.Error("a run was dropped within its rejoin window")
		}
		time.Sleep(time.Millisecond)
		if _, ok := m.Get("r0"); ok {
			t.Error("a run is kept past its rejoin window")
		}
	})
}

func TestReleaseIsCalledOnceTheRunEnds(t *testing.T) {
	t.Parallel()
	m := newManager(t, runs.Config{})
	released := make(chan struct{}, 2)
	in := &agui.RunAgentInput{ThreadID: "t", RunID: "r", Messages: []agui.Message{}}
	r, err := m.Start(context.Background(), runs.Request{Agent: "a", User: agentd.LocalUser, Input: in, Release: func() { released <- struct{}{} }})
	if err != nil {
		t.Fatal(err)
	}
	<-r.Wait()
	// A refused start releases too.
	if _, err := m.Start(context.Background(), runs.Request{Agent: "a", User: agentd.LocalUser, Input: in, Release: func() { released <- struct{}{} }}); err == nil {
		t.Fatal("a reused run id was accepted")
	}
	for i := 0; i < 2; i++ {
		select {
		case <-released:
		case <-time.After(time.Second):
			t.Fatalf("release %d never called", i)
		}
	}
}
