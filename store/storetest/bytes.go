package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/store"
)

// BodyBytesExact checks that message contents and the state come back byte
// for byte as committed: escapes, key order, duplicate keys and number
// spelling kept. It is not part of Run, which compares JSON by meaning only,
// because the store interface does not promise it; a backend that does
// keep bytes checks it with this.
func BodyBytesExact(t *testing.T, s store.Store) {
	t.Helper()
	id := ids(t)
	at := now()
	r, th := mustStart(t, s, startParams(id("run"), id("thread"), at, time.Hour))
	cleanupThreads(t, s, r.ThreadID)
	contents := []json.RawMessage{
		json.RawMessage(`"a<b && c>d \u00e9 \"q\""`),
		json.RawMessage(`[{"type":"text","text":"<x>"},{"type":"binary","url":"https://e.x/?a=1&b=2","n":1.50}]`),
		json.RawMessage(`{"zeta":1,"alpha":2,"alpha":3,"big":12345678901234567890123,"e":1E+2}`),
	}
	cp := checkpoint(r, th.Version)
	cp.State = json.RawMessage(`{"b":1,"a":[1.0,2]}`)
	for i, c := range contents {
		cp.Append = append(cp.Append, store.AppendMessage{Message: agui.Message{ID: id(fmt.Sprint("m", i)), Role: agui.RoleUser, Content: c}})
	}
	mustCommit(t, s, cp)
	got := mustGetThread(t, s, r.ThreadID)
	if len(got.Messages) != len(contents) {
		t.Fatalf("got %d messages, want %d", len(got.Messages), len(contents))
	}
	for i, c := range contents {
		if string(got.Messages[i].Content) != string(c) {
			t.Errorf("content %d: %s, want %s", i, got.Messages[i].Content, c)
		}
	}
	if string(got.State) != string(cp.State) {
		t.Errorf("state %s, want %s", got.State, cp.State)
	}
}
