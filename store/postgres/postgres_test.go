package postgres_test

import (
	"testing"

	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/store"
	"github.com/agentd/agentd/store/postgres"
	"github.com/agentd/agentd/store/storetest"
)

// open opens a store on url and closes it when the test ends.
func open(t testing.TB, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), url, postgres.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// openFresh opens a store on a fresh schema of its own.
func openFresh(t testing.TB) *postgres.Store {
	t.Helper()
	return open(t, testenv.Postgres(t))
}

func TestContract(t *testing.T) {
	url := testenv.Postgres(t)
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, url) })
}

// TestContract_TwoInstances runs the suite twice at once on one schema
// through two Stores (two pools), as two agentd instances would: the
// suite's tests must not disturb each other, and the two pools must wait
// for each other's row locks rather than fail.
func TestContract_TwoInstances(t *testing.T) {
	url := testenv.Postgres(t)
	open(t, url) // migrate once, before the two stores open it
	for _, name := range []string{"A", "B"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t *testing.T) store.Store { return open(t, url) })
		})
	}
}
