package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/store"
)

// HoldStart starts a run of agentd.LocalUser on threadID whose Reconcile
// blocks, and returns once the run is inside StartRun's transaction,
// holding what a start holds there (SQLite's writer; a PostgreSQL connection and the thread's
// row lock) the way a slow start does under load. release lets it finish
// and fails t if it did not start; it runs at cleanup if not called.
func HoldStart(t testing.TB, s store.Store, runID, threadID string) (release func()) {
	t.Helper()
	in, free, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	p := startParams(runID, threadID, time.Now(), time.Minute)
	p.User = agentd.LocalUser // as a server without authentication starts it
	p.Reconcile = func(agentd.Thread) store.Reconciled {
		close(in)
		<-free
		return store.Reconciled{TruncateAt: -1}
	}
	go func() {
		_, _, err := s.StartRun(t.Context(), p)
		done <- err
	}()
	select {
	case <-in:
	case err := <-done:
		t.Fatalf("held StartRun %s: %v", runID, err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			close(free)
			if err := <-done; err != nil {
				t.Errorf("held StartRun %s: %v", runID, err)
			}
		})
	}
	t.Cleanup(release)
	return release
}
