package history_test

import (
	"encoding/json"
	"testing"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/history"
)

// FuzzMerge checks that any client history, however odd, yields a plan
// whose result has unique ids, keeps every stored message before the fork,
// and contains every message the client sent that the model needs.
func FuzzMerge(f *testing.F) {
	f.Add(`[{"id":"u1","role":"user","content":"hi"}]`)
	f.Add(`[{"id":"u1","role":"user","content":"edited"},{"id":"x","role":"assistant"}]`)
	f.Add(`[{"id":"u1","role":"user","content":"hi"},{"id":"a1","role":"assistant","content":"hello"}]`)
	f.Add(`[{"id":"t","role":"tool","toolCallId":"nope","content":"r"}]`)
	f.Fuzz(func(t *testing.T, raw string) {
		var client []agui.Message
		if json.Unmarshal([]byte(raw), &client) != nil {
			return
		}
		in := agui.RunAgentInput{ThreadID: "t", RunID: "r", Messages: client}
		if in.Validate() != nil {
			return
		}
		p := history.Merge(stored, client)
		out := p.Apply(stored)
		seen := map[string]bool{}
		for _, m := range out {
			if seen[m.ID] {
				t.Fatalf("duplicate id %q in %v", m.ID, ids(out))
			}
			seen[m.ID] = true
		}
		keep := len(stored)
		if p.TruncateAt >= 0 {
			keep = p.TruncateAt
		}
		for i := 0; i < keep; i++ {
			if out[i].ID != stored[i].ID {
				t.Fatalf("stored message %d changed: %v", i, ids(out))
			}
		}
		for _, m := range client {
			if m.Role == "user" && !seen[m.ID] {
				t.Fatalf("user message %q lost: %v", m.ID, ids(out))
			}
		}
	})
}
