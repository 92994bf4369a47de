package sqlite_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/store"
	"github.com/agentd/agentd/store/sqlite"
	"github.com/agentd/agentd/store/storetest"
	"github.com/pressly/goose/v3"
)

// TestOpen_ReopenKeepsData checks that the file persists across Open calls,
// that migrating an up-to-date file is a no-op, and the connection settings.
func TestOpen_ReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agentd.db")
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	at := time.UnixMilli(1_700_000_000_123).UTC()
	r, th, err := s.StartRun(t.Context(), store.StartRun{RunID: "r1", ThreadID: "t1", User: "u", Agent: "a", Now: at, LeaseUntil: at.Add(time.Minute)})
	if err != nil {
		t.Fatalf("StartRun: %v", err)
	}
	if _, err := s.Commit(t.Context(), store.Checkpoint{RunID: r.ID, ThreadID: r.ThreadID, Fence: r.Fence, Version: th.Version,
		TruncateAt: -1, Finish: &store.Finish{Status: agentd.RunSucceeded, At: at}}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s, err = sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	got, err := s.GetRun(t.Context(), "r1")
	if err != nil || got.Status != agentd.RunSucceeded || !got.StartedAt.Equal(at) {
		t.Fatalf("run after reopen: %+v, %v", got, err)
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q, %v; want wal", mode, err)
	}
	var version int64
	if err := db.QueryRow("SELECT MAX(version_id) FROM goose_db_version").Scan(&version); err != nil || version != 4 {
		t.Fatalf("goose version %d, %v; want 4", version, err)
	}
}

// TestOpen_OddPath checks that a path with URI-special characters names
// the file itself.
func TestOpen_OddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "with space", "a?b#c%20d.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
}

// TestCommit_BodyBytesExact checks that SQLite keeps message JSON and the
// state byte for byte (the contract suite compares JSON by meaning only).
func TestCommit_BodyBytesExact(t *testing.T) { storetest.BodyBytesExact(t, openTemp(t)) }

// TestCommit_ManyWritersAtOnce has 100 goroutines commit at the same moment
// on their own threads: writes must queue, never fail with SQLITE_BUSY.
func TestCommit_ManyWritersAtOnce(t *testing.T) {
	const writers = 100
	s := openTemp(t)
	at := time.Now()
	runs := make([]agentd.Run, writers)
	versions := make([]int64, writers)
	for i := range writers {
		r, th, err := s.StartRun(t.Context(), store.StartRun{
			RunID: fmt.Sprint("r", i), ThreadID: fmt.Sprint("t", i), User: "u", Agent: "a", Now: at, LeaseUntil: at.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		runs[i], versions[i] = r, th.Version
	}
	var wg sync.WaitGroup
	begin := make(chan struct{})
	for i, r := range runs {
		wg.Go(func() {
			<-begin
			_, err := s.Commit(t.Context(), store.Checkpoint{
				RunID: r.ID, ThreadID: r.ThreadID, Fence: r.Fence, Version: versions[i], TruncateAt: -1,
				Append: []store.AppendMessage{{Message: agui.Message{ID: "m", Role: agui.RoleUser, Content: agui.TextContent("x")}}},
				Finish: &store.Finish{Status: agentd.RunSucceeded, At: at},
			})
			if err != nil {
				t.Errorf("commit %s: %v", r.ID, err)
			}
		})
	}
	close(begin)
	wg.Wait()
}

// atMigration makes a database file at the given migration version,
// writes rows there with stmts, and returns the store that opening it
// (and so migrating it up) gives.
func atMigration(t *testing.T, version int64, stmts ...string) *sqlite.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectSQLite3, db, os.DirFS("migrations"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(t.Context(), version); err != nil {
		t.Fatalf("migrate to %d: %v", version, err)
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestOpen_MigratesPreOwnership opens a file made before threads had
// users (at migration 1, with a thread and its run): migrating it gives
// them to agentd.LocalUser.
func TestOpen_MigratesPreOwnership(t *testing.T) {
	s := atMigration(t, 1,
		`INSERT INTO threads (id, agent, version, created_at, updated_at, message_count) VALUES ('old', 'a', 1, 1, 1, 1)`,
		`INSERT INTO messages (thread_id, seq, id, role, body) VALUES ('old', 0, 'm1', 'user', '{"id":"m1","role":"user","content":"hi"}')`,
		`INSERT INTO runs (id, thread_id, agent, status, fence, lease_until, started_at, finished_at)
		 VALUES ('old-run', 'old', 'a', 'succeeded', 1, 0, 1, 1)`)
	storetest.PreOwnership(t, s, "old", "old-run")
}

// TestOpen_MigratesPreSuperseded opens a file made before superseded
// history (at migration 2, with a thread of two messages): they become
// its current branch, and the first edit keeps the old message.
func TestOpen_MigratesPreSuperseded(t *testing.T) {
	s := atMigration(t, 2,
		`INSERT INTO threads (id, user_id, agent, version, created_at, updated_at, message_count) VALUES ('old', 'u', 'a', 1, 1, 1, 2)`,
		`INSERT INTO messages (thread_id, seq, id, role, body) VALUES
			('old', 0, 'm1', 'user', '{"id":"m1","role":"user","content":"hi"}'),
			('old', 1, 'm2', 'user', '{"id":"m2","role":"user","content":"again"}')`)
	storetest.PreSuperseded(t, s, "u", "old", []agui.Message{
		{ID: "m1", Role: agui.RoleUser, Content: agui.TextContent("hi")},
		{ID: "m2", Role: agui.RoleUser, Content: agui.TextContent("again")},
	})
}
