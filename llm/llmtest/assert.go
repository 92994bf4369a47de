package llmtest

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/agentd/agentd/llm"
)

// JSON decodes the request body into generic JSON values.
func (r Request) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("llmtest: request body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// EqualJSON fails the test when got, once encoded, is not the same JSON
// value as want (object key order and spacing do not matter).
func EqualJSON(t testing.TB, what string, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("llmtest: want for %s is not JSON: %v", what, err)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("llmtest: encoding %s: %v", what, err)
	}
	var g any
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("llmtest: decoding %s: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		gi, _ := json.MarshalIndent(g, "", "  ")
		wi, _ := json.MarshalIndent(w, "", "  ")
		t.Errorf("%s:\ngot  %s\nwant %s", what, gi, wi)
	}
}

// AsError returns err's *llm.Error; it fails the test when there is none.
func AsError(t testing.TB, err error) *llm.Error {
	t.Helper()
	var e *llm.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want an *llm.Error", err, err)
	}
	return e
}
