package llmtest

import (
	"embed"
	"testing"
)

//go:embed testdata
var testdata embed.FS

// Fixture returns testdata/name, a recorded-style SSE body for Reply.Raw.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := testdata.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatalf("llmtest: fixture %s: %v", name, err)
	}
	return b
}
