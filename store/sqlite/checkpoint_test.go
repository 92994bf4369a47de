package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/agentd/agentd/store"
	"github.com/agentd/agentd/store/sqlite"
)

// Commits reach the database file itself, not only the WAL, shortly after
// they are made, though far fewer pages than SQLite's own checkpoint
// threshold were written: the store checkpoints in the background.
func TestCommitsAreCheckpointedIntoTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "agentd.db")
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	if _, _, err := s.StartRun(t.Context(), store.StartRun{RunID: "r", ThreadID: "t", User: "u", Agent: "a", Owner: "o",
		Now: now, LeaseUntil: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}

	// The file alone, without its WAL, as a copy.
	inFile := func() int {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cp := filepath.Join(t.TempDir(), "copy.db")
		if err := os.WriteFile(cp, b, 0o600); err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("sqlite", "file:"+cp+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		err = db.QueryRow(`SELECT count(*) FROM threads WHERE id = 't'`).Scan(&n)
		if err != nil { // not even the schema is there yet
			t.Logf("the file alone: %v", err)
		}
		return n
	}
	for deadline := time.Now().Add(10 * time.Second); inFile() == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the commit is still only in the WAL after 10s")
		}
	}
}
