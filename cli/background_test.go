package cli

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/llm/sim"
	"github.com/agentd/agentd/runs"
)

// Stop returns only once the janitor and the sweep have: serve closes the
// store and the event log they use right after.
func TestBackgroundStopWaitsForTheWorkInProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		mgr, err := runs.New(runs.Config{Store: testenv.SQLite(t), Agents: []*agent.Agent{{Name: "a"}},
			Model: sim.New(sim.Config{}), Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { mgr.Drain(context.Background()) })
		sweeping, release := make(chan struct{}, 1), make(chan struct{})
		sweep := func(context.Context, time.Time) (int64, error) {
			select {
			case sweeping <- struct{}{}:
			default:
			}
			<-release // a slow sweep, whatever its context says
			return 0, nil
		}
		bg := startBackground(t.Context(), mgr, time.Second, time.Hour, sweep, log)
		time.Sleep(sweepPeriod)
		<-sweeping
		stopped := make(chan struct{})
		go func() { bg.Stop(); close(stopped) }()
		synctest.Wait()
		select {
		case <-stopped:
			t.Fatal("Stop returned while a sweep was still running")
		default:
		}
		close(release)
		<-stopped
	})
}
