package postgres_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/store"
	"github.com/agentd/agentd/store/postgres"
	"github.com/agentd/agentd/store/storetest"
)

// queryInt runs a query returning one integer on a connection of its own.
func queryInt(t *testing.T, url, sql string) int64 {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int64
	if err := conn.QueryRow(t.Context(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// TestOpen_ConcurrentMigrate opens several stores at once on an empty
// schema, as instances starting together would: they must wait for each
// other's migration, not fail or apply it twice.
func TestOpen_ConcurrentMigrate(t *testing.T) {
	const instances = 6
	url := testenv.Postgres(t)
	var wg sync.WaitGroup
	stores := make([]*postgres.Store, instances)
	errs := make([]error, instances)
	for i := range instances {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(t.Context(), url, postgres.Options{}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		stores[i].Close()
	}
	if n := queryInt(t, url, `SELECT count(*) FROM goose_db_version WHERE version_id = 1 AND is_applied`); n != 1 {
		t.Fatalf("migration 1 recorded %d times, want once", n)
	}
	if n := queryInt(t, url, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()
		AND tablename IN ('threads', 'messages', 'runs')`); n != 3 {
		t.Fatalf("%d of the 3 tables in the test schema", n)
	}
}

// TestOpen_ReopenKeepsData checks that data outlives the store and that
// migrating an up-to-date schema is a no-op.
func TestOpen_ReopenKeepsData(t *testing.T) {
	url := testenv.Postgres(t)
	s, err := postgres.Open(t.Context(), url, postgres.Options{})
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
	s.Close()
	if err := s.Ping(t.Context()); err == nil {
		t.Fatal("Ping after Close succeeded")
	}

	s = open(t, url)
	got, err := s.GetRun(t.Context(), "r1")
	if err != nil || got.Status != agentd.RunSucceeded || !got.StartedAt.Equal(at) || !got.FinishedAt.Equal(at) {
		t.Fatalf("run after reopen: %+v, %v", got, err)
	}
	if n := queryInt(t, url, `SELECT max(version_id) FROM goose_db_version`); n != 4 {
		t.Fatalf("goose version %d, want 4", n)
	}
}

// TestOpen_Unreachable checks that Open fails, within its context, on a
// server that does not answer, and that its error does not show the
// password of the URL.
func TestOpen_Unreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := postgres.Open(ctx, "postgres://agentd:s3cret-pw@127.0.0.1:1/agentd?sslmode=disable&connect_timeout=5", postgres.Options{})
	if err == nil {
		t.Fatal("Open on a closed port succeeded")
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Fatalf("error shows the password: %v", err)
	}
	if _, err := postgres.Open(ctx, "", postgres.Options{}); err == nil {
		t.Fatal("Open with an empty URL succeeded")
	}
	if _, err := postgres.Open(ctx, "postgres://a:s3cret-pw@[bad", postgres.Options{}); err == nil || strings.Contains(err.Error(), "s3cret-pw") {
		t.Fatalf("Open with a malformed URL: %v, want an error without the password", err)
	}
}

// TestCommit_BodyBytesExact checks that messages come back byte for byte,
// the reason bodies are json and not jsonb (which would reorder keys, drop
// a duplicate key and decode escapes). The contract suite compares JSON by
// meaning only.
func TestCommit_BodyBytesExact(t *testing.T) { storetest.BodyBytesExact(t, openFresh(t)) }

// TestTimes_Millisecond checks that times finer than a millisecond are
// kept at the millisecond, like the SQLite store does, and that what
// StartRun returns equals what is read back.
func TestTimes_Millisecond(t *testing.T) {
	s := openFresh(t)
	at := time.Date(2024, 5, 6, 7, 8, 9, 123_456_789, time.FixedZone("x", 3600))
	r, th, err := s.StartRun(t.Context(), store.StartRun{RunID: "r", ThreadID: "t", User: "u", Agent: "a", Now: at, LeaseUntil: at.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2024, 5, 6, 6, 8, 9, 123_000_000, time.UTC)
	if r.StartedAt != want || th.CreatedAt != want || r.LeaseUntil != want.Add(time.Minute) {
		t.Fatalf("StartRun times %v, %v, %v; want %v (UTC, at the millisecond)", r.StartedAt, th.CreatedAt, r.LeaseUntil, want)
	}
	got, err := s.GetRun(t.Context(), "r")
	if err != nil {
		t.Fatal(err)
	}
	if got != r {
		t.Fatalf("GetRun %+v, want %+v", got, r)
	}
}

// atMigration makes a schema at the given migration version, writes rows
// there with stmts, and returns the store that opening it (and so
// migrating it up) gives.
func atMigration(t *testing.T, version int64, stmts ...string) *postgres.Store {
	t.Helper()
	url := testenv.Postgres(t)
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cc)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, os.DirFS("migrations"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(t.Context(), version); err != nil {
		t.Fatalf("migrate to %d: %v", version, err)
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return open(t, url)
}

// TestOpen_MigratesPreOwnership opens a schema made before threads had
// users (at migration 1, with a thread and its run): migrating it gives
// them to agentd.LocalUser.
func TestOpen_MigratesPreOwnership(t *testing.T) {
	s := atMigration(t, 1,
		`INSERT INTO threads (id, agent, version, created_at, updated_at, message_count) VALUES ('old', 'a', 1, now(), now(), 1)`,
		`INSERT INTO messages (thread_id, seq, id, role, body) VALUES ('old', 0, 'm1', 'user', '{"id":"m1","role":"user","content":"hi"}')`,
		`INSERT INTO runs (id, thread_id, agent, status, fence, lease_until, started_at, finished_at)
		 VALUES ('old-run', 'old', 'a', 'succeeded', 1, now(), now(), now())`)
	storetest.PreOwnership(t, s, "old", "old-run")
}

// TestOpen_MigratesPreSuperseded opens a schema made before superseded
// history (at migration 2, with a thread of two messages): they become
// its current branch, and the first edit keeps the old message.
func TestOpen_MigratesPreSuperseded(t *testing.T) {
	s := atMigration(t, 2,
		`INSERT INTO threads (id, user_id, agent, version, created_at, updated_at, message_count) VALUES ('old', 'u', 'a', 1, now(), now(), 2)`,
		`INSERT INTO messages (thread_id, seq, id, role, body) VALUES
			('old', 0, 'm1', 'user', '{"id":"m1","role":"user","content":"hi"}'),
			('old', 1, 'm2', 'user', '{"id":"m2","role":"user","content":"again"}')`)
	storetest.PreSuperseded(t, s, "u", "old", []agui.Message{
		{ID: "m1", Role: agui.RoleUser, Content: agui.TextContent("hi")},
		{ID: "m2", Role: agui.RoleUser, Content: agui.TextContent("again")},
	})
}
