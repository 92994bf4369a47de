package runs

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/llm/sim"
)

// A run that ended normally must not stay among the base context's
// children: that held ~1 KB per completed run forever (found by
// bench/idle.sh).
func TestRunThatEndedNormallyReleasesItsContext(t *testing.T) {
	t.Parallel()
	m, err := New(Config{Store: testenv.SQLite(t), Agents: []*agent.Agent{{Name: "a"}},
		Model: sim.New(sim.Config{}), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Drain(context.Background()) })
	r := start(t, m, "t-leak", "r-leak")
	select {
	case <-r.Wait():
	case <-time.After(5 * time.Second):
		t.Fatal("the run did not end")
	}
	if r.ctx.Err() == nil {
		t.Fatal("an ended run's context is still live, so the manager's base context keeps it")
	}
}
