package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/agentd/agentd/store"
	"github.com/agentd/agentd/store/sqlite"
	"github.com/agentd/agentd/store/storetest"
)

// openTemp opens a store on a new file in t.TempDir and closes it when the
// test ends.
func openTemp(t testing.TB) *sqlite.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "agentd.db")
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

// TestContract_SharedFile runs the suite twice at once on one file through
// two Stores, as two processes would: the suite's tests must not disturb
// each other, and the two write pools must wait for each other's locks
// (busy_timeout, BEGIN IMMEDIATE) rather than fail.
func TestContract_SharedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	if s, err := sqlite.Open(t.Context(), path, sqlite.Options{}); err != nil {
		t.Fatalf("Open: %v", err)
	} else {
		s.Close() // migrate once, before the two stores open it
	}
	for _, name := range []string{"A", "B"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t *testing.T) store.Store {
				s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			})
		})
	}
}
