// Package testenv opens the real engines tests run against: an SQLite file
// in the test's temp dir always, PostgreSQL and Redis when their URLs are
// set (AGENTD_TEST_POSTGRES_URL, AGENTD_TEST_REDIS_URL), skipping with a
// clear message otherwise.
package testenv

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/agentd/agentd/store/sqlite"
)

// SQLite opens a fresh SQLite store in t's temp dir, closed at cleanup.
func SQLite(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "agentd.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
