package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/store"
)

// TestOpen_KeepsStatementsPrepared checks that the pool keeps pgx's
// statement cache: after a turn, its statements are still prepared on the
// connection, so the next turn sends no Parse. (It is an internal test
// because only the store sees its pool.)
func TestOpen_KeepsStatementsPrepared(t *testing.T) {
	s, err := Open(t.Context(), testenv.Postgres(t), Options{MaxConns: 1})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	at := time.Now()
	r, th, err := s.StartRun(t.Context(), store.StartRun{RunID: "r", ThreadID: "t", User: "u", Agent: "a", Now: at, LeaseUntil: at.Add(time.Minute),
		Reconcile: func(agentd.Thread) store.Reconciled {
			return store.Reconciled{TruncateAt: -1, Append: []store.AppendMessage{
				{Message: agui.Message{ID: "u", Role: agui.RoleUser, Content: agui.TextContent("hi")}}}}
		}})
	if err != nil {
		t.Fatalf("StartRun: %v", err)
	}
	if _, err := s.Commit(t.Context(), store.Checkpoint{RunID: r.ID, ThreadID: r.ThreadID, Fence: r.Fence, Version: th.Version,
		TruncateAt: -1, Finish: &store.Finish{Status: agentd.RunSucceeded, At: at}}); err != nil {
		t.Fatalf("Commit: %v", err)
	}

	// The pool has one connection: the one the turn used.
	rows, err := s.pool.Query(t.Context(), `SELECT statement FROM pg_prepared_statements`)
	if err != nil {
		t.Fatal(err)
	}
	var prepared []string
	for rows.Next() {
		var stmt string
		if err := rows.Scan(&stmt); err != nil {
			t.Fatal(err)
		}
		prepared = append(prepared, stmt)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"INSERT INTO runs", "INSERT INTO messages", "UPDATE threads SET", "UPDATE runs SET status"} {
		found := false
		for _, p := range prepared {
			found = found || strings.Contains(p, want)
		}
		if !found {
			t.Errorf("no statement with %q is prepared on the connection after a turn; prepared: %q", want, prepared)
		}
	}
}
