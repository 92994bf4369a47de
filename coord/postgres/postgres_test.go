package postgres_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/agentd/agentd/coord"
	"github.com/agentd/agentd/coord/coordtest"
	"github.com/agentd/agentd/coord/postgres"
	"github.com/agentd/agentd/internal/testenv"
)

// opener opens event logs with opts, on one fresh schema per test shared
// by every log the test opens (its "instances").
func opener(opts postgres.Options) func(t *testing.T) coord.EventLog {
	var mu sync.Mutex
	urls := map[*testing.T]string{}
	return func(t *testing.T) coord.EventLog {
		mu.Lock()
		u, ok := urls[t]
		mu.Unlock()
		if !ok {
			u = testenv.Postgres(t)
			mu.Lock()
			urls[t] = u
			mu.Unlock()
		}
		return open(t, u, opts)
	}
}

func open(t *testing.T, url string, opts postgres.Options) *postgres.EventLog {
	t.Helper()
	e, err := postgres.Open(t.Context(), url, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestEventLog(t *testing.T) {
	testenv.Postgres(t) // skip once here, not in every subtest
	coordtest.RunEventLog(t, opener(postgres.Options{}))
}

func TestExpiry(t *testing.T) {
	testenv.Postgres(t)
	open := opener(postgres.Options{TTL: time.Minute})
	coordtest.RunExpiry(t, open, func(t *testing.T) {
		e := open(t).(*postgres.EventLog)
		if _, err := e.Sweep(t.Context(), time.Now().Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
	})
}

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time     { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time)    { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func frame(seq int64) []coord.Frame { return []coord.Frame{{Seq: seq, Data: []byte(`{"type":"X"}`)}} }

// TestSweep: a log expires TTL after its last write, by the writer's clock,
// and goes with its frames.
func TestSweep(t *testing.T) {
	u := testenv.Postgres(t)
	const ttl = time.Hour
	t0 := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	clk := &clock{t: t0}
	e := open(t, u, postgres.Options{TTL: ttl, Now: clk.now})
	ctx := t.Context()
	sweep := func(at time.Time, want int64) {
		t.Helper()
		n, err := e.Sweep(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Fatalf("Sweep(t0+%v) deleted %d logs, want %d", at.Sub(t0), n, want)
		}
	}
	if err := e.Append(ctx, "a", frame(1), false); err != nil {
		t.Fatal(err)
	}
	if err := e.Seal(ctx, "b", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	sweep(t0.Add(ttl-time.Second), 0)
	clk.set(t0.Add(30 * time.Minute))
	if err := e.Append(ctx, "a", frame(2), false); err != nil {
		t.Fatal(err)
	}
	sweep(t0.Add(ttl), 1) // b only: a's write moved its expiry
	if _, _, err := e.Read(ctx, "b", 0, 0); !errors.Is(err, coord.ErrNotFound) {
		t.Fatalf("Read of a swept log: %v, want ErrNotFound", err)
	}
	if fs, _, err := e.Read(ctx, "a", 0, 0); err != nil || len(fs) != 2 {
		t.Fatalf("Read of a log written since: %d frames, %v; want 2", len(fs), err)
	}
	sweep(t0.Add(30*time.Minute+ttl), 1)
	if n := queryInt(t, u, `SELECT count(*) FROM run_events`); n != 0 {
		t.Fatalf("%d frames left after every log was swept", n)
	}
}

// TestNotifyWakesReader: with polling all but off, only NOTIFY can wake a
// reader on another instance in time.
func TestNotifyWakesReader(t *testing.T) {
	u := testenv.Postgres(t)
	opts := postgres.Options{PollInterval: time.Hour}
	writer, reader := open(t, u, opts), open(t, u, opts)
	checkWakes(t, writer, reader, "r1")
}

// TestListenerReconnects: when the listening connection dies, the listener
// connects again and notifications wake readers again.
func TestListenerReconnects(t *testing.T) {
	app := "agentd_coord_test_" + strings.ReplaceAll(t.Name(), "/", "_")
	u := withParam(t, testenv.Postgres(t), "application_name", app)
	opts := postgres.Options{PollInterval: time.Hour}
	writer, reader := open(t, u, opts), open(t, u, opts)
	listeners := `SELECT count(*) FROM pg_stat_activity WHERE application_name = '` + app + `' AND query = 'LISTEN agentd_run_events'`
	if n := queryInt(t, u, listeners); n != 2 {
		t.Fatalf("%d listening connections, want 2", n)
	}
	queryInt(t, u, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '`+app+`' AND query = 'LISTEN agentd_run_events'`)
	deadline := time.Now().Add(15 * time.Second)
	for queryInt(t, u, listeners) != 2 {
		if time.Now().After(deadline) {
			t.Fatal("listeners did not reconnect within 15s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	checkWakes(t, writer, reader, "r2")
}

// checkWakes fails t unless a reader waiting on reader for run id is woken
// up by an append on writer well before its wait ends.
func checkWakes(t *testing.T, writer, reader coord.EventLog, id string) {
	t.Helper()
	ctx := t.Context()
	if err := writer.Append(ctx, id, frame(1), false); err != nil {
		t.Fatal(err)
	}
	type result struct {
		fs   []coord.Frame
		err  error
		took time.Duration
	}
	ch := make(chan result, 1)
	go func() {
		start := time.Now()
		fs, _, err := reader.Read(ctx, id, 1, 30*time.Second)
		ch <- result{fs, err, time.Since(start)}
	}()
	time.Sleep(300 * time.Millisecond) // let the reader reach its wait
	if err := writer.Append(ctx, id, frame(2), false); err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil || len(r.fs) != 1 || r.fs[0].Seq != 2 {
		t.Fatalf("Read = %d frames, %v; want frame 2", len(r.fs), r.err)
	}
	if r.took > 5*time.Second {
		t.Fatalf("reader woke after %v: not by NOTIFY", r.took)
	}
}

// TestMigrations: instances opening one fresh schema together all succeed,
// and the event log's goose versions are kept apart from the store's.
func TestMigrations(t *testing.T) {
	u := testenv.Postgres(t)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			e, err := postgres.Open(t.Context(), u, postgres.Options{})
			if err != nil {
				t.Errorf("concurrent open: %v", err)
				return
			}
			e.Close()
		})
	}
	wg.Wait()
	if n := queryInt(t, u, `SELECT count(*) FROM agentd_coord_goose_version WHERE version_id = 1 AND is_applied`); n != 1 {
		t.Fatalf("migration 1 recorded %d times, want once", n)
	}
	if n := queryInt(t, u, `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'goose_db_version'`); n != 0 {
		t.Fatal("the event log created goose_db_version, the store's version table")
	}
}

func TestOpenErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := postgres.Open(ctx, "", postgres.Options{}); err == nil {
		t.Error("Open of an empty url: no error")
	}
	// Nothing listens on port 1.
	_, err := postgres.Open(ctx, "postgres://u:s3cret@127.0.0.1:1/db?connect_timeout=2", postgres.Options{})
	if err == nil {
		t.Fatal("Open of a closed port: no error")
	}
	if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("error should name the server but not the password: %v", err)
	}
}

func queryInt(t *testing.T, url, sql string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func withParam(t *testing.T, base, key, value string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: not a URL", testenv.PostgresURLEnv)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}
