package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRun_BadInputGetsJSONErrorBeforeAnyStream(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	valid := `{"threadId":"t","runId":"r","messages":[]}`
	tests := []struct {
		name, path, ctype, body string
		status                  int
		code                    string
	}{
		{"malformed JSON", "/", "application/json", `{"threadId":`, 400, "bad_json"},
		{"not an object", "/", "application/json", `[1,2]`, 422, "invalid"},
		{"missing runId", "/", "application/json", `{"threadId":"t","messages":[]}`, 422, "invalid"},
		{"wrong field type", "/", "application/json", `{"threadId":5,"runId":"r","messages":[]}`, 422, "invalid"},
		{"bad message role", "/", "application/json", `{"threadId":"t","runId":"r","messages":[{"id":"1","role":"robot","content":"x"}]}`, 422, "invalid"},
		{"tool message without call id", "/", "application/json", `{"threadId":"t","runId":"r","messages":[{"id":"1","role":"tool","content":"x"}]}`, 422, "invalid"},
		{"too large", "/", "application/json", `{"threadId":"t","runId":"r","messages":[],"state":{"x":"` + strings.Repeat("a", 70<<10) + `"}}`, 413, "too_large"},
		{"wrong content type", "/", "text/plain", valid, 415, "unsupported"},
		{"no content type", "/", "", valid, 415, "unsupported"},
		{"unknown agent", "/agents/nobody", "application/json", valid, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := b.do("POST", tt.path, tt.ctype, []byte(tt.body), nil)
			if res.status != tt.status {
				t.Fatalf("status %d, want %d (%s)", res.status, tt.status, res.body)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type %q", ct)
			}
			var body struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(res.body, &body); err != nil || body.Error.Code != tt.code || body.Error.Message == "" {
				t.Fatalf("body %s, want code %s", res.body, tt.code)
			}
		})
	}
	// Nothing was written for the rejected requests.
	if r := b.do("GET", "/threads/t", "", nil, nil); r.status != 404 {
		t.Errorf("a rejected request created thread t: %d", r.status)
	}
}
