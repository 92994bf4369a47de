package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresURLEnv names the variable holding the URL of the PostgreSQL
// server tests run against, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const PostgresURLEnv = "AGENTD_TEST_POSTGRES_URL"

// Postgres creates a fresh, empty schema (agentd_test_<random>) on the
// server at $AGENTD_TEST_POSTGRES_URL and returns that URL with the
// schema as its search_path, so whatever t opens with it creates its
// tables there. The schema is dropped with everything in it when t ends
// (after cleanups registered later, such as closing a store), so parallel
// test packages and repeated runs never see each other's rows. It skips t
// when the variable is unset.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresURLEnv)
	if base == "" {
		t.Skipf("%s is not set: skipping a test that needs PostgreSQL "+
			"(set it to e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", PostgresURLEnv)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("random schema name: %v", err)
	}
	schema := "agentd_test_" + hex.EncodeToString(b[:])

	admin := func(what, sql string) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Fatalf("%s: connect to %s: %v", what, PostgresURLEnv, err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	admin("create test schema", "CREATE SCHEMA "+schema)
	t.Cleanup(func() { admin("drop test schema", "DROP SCHEMA "+schema+" CASCADE") })
	return withSearchPath(t, base, schema)
}

// withSearchPath sets the search_path run-time parameter of a postgres://
// URL or a key=value connection string.
func withSearchPath(t testing.TB, base, schema string) string {
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		return base + " search_path=" + schema
	}
	u, err := url.Parse(base)
	if err != nil {
		// The url.Error would repeat the URL, password included.
		t.Fatalf("parse %s: %v", PostgresURLEnv, errors.Unwrap(err))
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
