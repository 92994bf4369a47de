package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/store"
)

// newTestWriter opens a writer on a fresh file with one table, kv.
func newTestWriter(t *testing.T, shedAt int) (*writer, *sql.DB) {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "w.db"), time.Second, false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE kv (k TEXT PRIMARY KEY, v INT)`); err != nil {
		t.Fatal(err)
	}
	w, err := newWriter(t.Context(), db, shedAt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.close() })
	return w, db
}

func insert(k string) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO kv VALUES (?, 1)`, k)
		return err
	}
}

func keys(t *testing.T, db *sql.DB) map[string]bool {
	t.Helper()
	rows, err := db.Query(`SELECT k FROM kv`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		got[k] = true
	}
	return got
}

// block makes the writer busy until the returned func is called, so that
// work queues up behind it and forms one group.
func block(t *testing.T, w *writer) (unblock func()) {
	t.Helper()
	started, release := make(chan struct{}), make(chan struct{})
	go w.do(context.Background(), "block", false, func(context.Context, *sql.Tx) error {
		close(started)
		<-release
		return nil
	})
	<-started
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	return func() { once.Do(func() { close(release) }) }
}

// waitQueued waits until n writes are queued.
func waitQueued(t *testing.T, w *writer, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); w.queued() < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", w.queued(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// A group commits its parts together, but a part that fails is undone
// alone and its caller, only, gets its error.
func TestWriter_FailingPartFailsAlone(t *testing.T) {
	w, db := newTestWriter(t, 1000)
	unblock := block(t, w)
	const n = 60
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			k := fmt.Sprint(i)
			fn := insert(k)
			if i%3 == 0 { // writes, then fails: the write must be undone
				fn = func(ctx context.Context, tx *sql.Tx) error {
					if err := insert(k)(ctx, tx); err != nil {
						return err
					}
					return fmt.Errorf("part %d refuses", i)
				}
			}
			errs[i] = w.do(t.Context(), "put "+k, false, fn)
		})
	}
	waitQueued(t, w, n)
	unblock()
	wg.Wait()

	got := keys(t, db)
	for i := range n {
		k := fmt.Sprint(i)
		if i%3 == 0 {
			if errs[i] == nil || got[k] {
				t.Errorf("part %d: err %v, stored %v; want its own error and nothing stored", i, errs[i], got[k])
			}
			continue
		}
		if errs[i] != nil || !got[k] {
			t.Errorf("part %d: err %v, stored %v; want committed", i, errs[i], got[k])
		}
	}
}

// Work whose caller gave up while it was still queued is never applied,
// and the caller is told so.
func TestWriter_AbandonedWorkIsNeverApplied(t *testing.T) {
	w, db := newTestWriter(t, 1000)
	unblock := block(t, w)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.do(ctx, "put gone", false, insert("gone")) }()
	waitQueued(t, w, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("abandoned write: err %v, want context.Canceled", err)
	}
	unblock()
	if err := w.do(t.Context(), "put after", false, insert("after")); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, db); got["gone"] || !got["after"] {
		t.Fatalf("stored %v; want only after", got)
	}
}

// Past the shed mark, shed work is refused at once with store.ErrBusy
// and writes nothing; other work still queues.
func TestWriter_ShedsNewWorkWhenBehind(t *testing.T) {
	w, db := newTestWriter(t, 3)
	if err := w.busy("idle"); err != nil {
		t.Fatalf("busy with nothing queued: %v", err)
	}
	unblock := block(t, w)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range 3 {
		wg.Go(func() { errs[i] = w.do(t.Context(), "queued", false, insert(fmt.Sprint("q", i))) })
	}
	waitQueued(t, w, 3)
	if err := w.busy("shed"); !errors.Is(err, store.ErrBusy) {
		t.Fatalf("busy with 3 queued: %v, want store.ErrBusy", err)
	}
	if err := w.do(t.Context(), "shed", true, insert("shed")); !errors.Is(err, store.ErrBusy) {
		t.Fatalf("shed write with 3 queued: err %v, want store.ErrBusy", err)
	}
	wg.Go(func() {
		if err := w.do(t.Context(), "must", false, insert("must")); err != nil {
			t.Errorf("unshed write: %v", err)
		}
	})
	waitQueued(t, w, 4)
	unblock()
	wg.Wait()
	got := keys(t, db)
	if got["shed"] || !got["must"] || !got["q0"] || !got["q2"] {
		t.Fatalf("stored %v; want q0..q2 and must, not shed", got)
	}
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Close writes what is queued before it returns; later work is refused.
func TestWriter_CloseDrainsTheQueue(t *testing.T) {
	w, db := newTestWriter(t, 1000)
	unblock := block(t, w)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if err := w.do(t.Context(), "put", false, insert(fmt.Sprint(i))); err != nil {
				t.Errorf("queued before close: %v", err)
			}
		})
	}
	waitQueued(t, w, 10)
	closed := make(chan error)
	go func() { closed <- w.close() }()
	unblock()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if got := keys(t, db); len(got) != 10 {
		t.Fatalf("stored %d keys, want 10", len(got))
	}
	if err := w.do(t.Context(), "late", false, insert("late")); !errors.Is(err, errClosed) {
		t.Fatalf("after close: err %v, want errClosed", err)
	}
}
