package postgres_test

import (
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/coord"
	"github.com/agentd/agentd/coord/coordtest"
	"github.com/agentd/agentd/coord/postgres"
	"github.com/agentd/agentd/internal/testenv"
)

func TestSignals(t *testing.T) {
	testenv.Postgres(t)
	open := opener(postgres.Options{})
	coordtest.RunSignals(t, func(t *testing.T) coord.Signals { return open(t).(coord.Signals) })
}

// TestSignalsStayInTheirSchema: NOTIFY channels span the database, but a
// deployment in another schema of it must not hear this one's signals.
func TestSignalsStayInTheirSchema(t *testing.T) {
	mine, other := open(t, testenv.Postgres(t), postgres.Options{}), open(t, testenv.Postgres(t), postgres.Options{})
	l := coordtest.Listen(t, mine)
	coordtest.SendUntilHeard(t, mine, coord.Signal{Kind: coord.SignalCancel, RunID: "probe"}, l)
	if err := other.Send(t.Context(), coord.Signal{Kind: coord.SignalCancel, RunID: "r1"}); err != nil {
		t.Fatal(err)
	}
	marker := coord.Signal{Kind: coord.SignalCancel, RunID: "marker"}
	if err := mine.Send(t.Context(), marker); err != nil {
		t.Fatal(err)
	}
	if got := l.Next(t); got != marker {
		t.Fatalf("heard %+v from another schema", got)
	}
}

// TestSignalsSurviveReconnect: once the listening connection is killed and
// replaced, signals arrive again.
func TestSignalsSurviveReconnect(t *testing.T) {
	app := "agentd_coord_test_" + strings.ReplaceAll(t.Name(), "/", "_")
	u := withParam(t, testenv.Postgres(t), "application_name", app)
	sender, receiver := open(t, u, postgres.Options{}), open(t, u, postgres.Options{})
	l := coordtest.Listen(t, receiver)
	coordtest.SendUntilHeard(t, sender, coord.Signal{Kind: coord.SignalCancel, RunID: "before"}, l)
	listeners := `SELECT count(*) FROM pg_stat_activity WHERE application_name = '` + app + `' AND query = 'LISTEN agentd_run_events'`
	if n := queryInt(t, u, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '`+app+`' AND query = 'LISTEN agentd_run_events'`); n != 2 {
		t.Fatalf("terminated %d listening connections, want 2", n)
	}
	deadline := time.Now().Add(15 * time.Second)
	for queryInt(t, u, listeners) != 2 {
		if time.Now().After(deadline) {
			t.Fatal("listeners did not reconnect within 15s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	coordtest.SendUntilHeard(t, sender, coord.Signal{Kind: coord.SignalInterrupt, ThreadID: "after"}, l)
}
