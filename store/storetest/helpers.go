package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/store"
)

// ids returns a generator of ids unique to this test and this suite run:
// a random prefix and a counter. It is safe for concurrent use.
func ids(t *testing.T) func(kind string) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("random id prefix: %v", err)
	}
	prefix := "st-" + hex.EncodeToString(b[:])
	var n atomic.Int64
	return func(kind string) string {
		return fmt.Sprintf("%s-%s-%d", prefix, kind, n.Add(1))
	}
}

// suiteUser is the user of the suite's threads, except where a test is
// about users.
const suiteUser = "storetest-user"

// now is the current time at the millisecond, the precision the suite
// expects times to round-trip at.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// startParams is a StartRun with a lease of d from at.
func startParams(runID, threadID string, at time.Time, d time.Duration) store.StartRun {
	return store.StartRun{
		RunID:      runID,
		ThreadID:   threadID,
		User:       suiteUser,
		Agent:      "test-agent",
		Owner:      "instance-test",
		Now:        at,
		LeaseUntil: at.Add(d),
	}
}

func mustStart(t *testing.T, s store.Store, p store.StartRun) (agentd.Run, agentd.Thread) {
	t.Helper()
	r, th, err := s.StartRun(t.Context(), p)
	if err != nil {
		t.Fatalf("StartRun(run %s, thread %s): %v", p.RunID, p.ThreadID, err)
	}
	return r, th
}

// checkpoint is a Checkpoint of run r at version v that truncates nothing.
func checkpoint(r agentd.Run, v int64, msgs ...store.AppendMessage) store.Checkpoint {
	return store.Checkpoint{
		RunID:      r.ID,
		ThreadID:   r.ThreadID,
		Fence:      r.Fence,
		Version:    v,
		TruncateAt: -1,
		Append:     msgs,
	}
}

func mustCommit(t *testing.T, s store.Store, cp store.Checkpoint) int64 {
	t.Helper()
	v, err := s.Commit(t.Context(), cp)
	if err != nil {
		t.Fatalf("Commit(run %s, version %d): %v", cp.RunID, cp.Version, err)
	}
	if v != cp.Version+1 {
		t.Fatalf("Commit(run %s, version %d) = version %d, want %d", cp.RunID, cp.Version, v, cp.Version+1)
	}
	return v
}

func mustGetThread(t *testing.T, s store.Store, id string) agentd.Thread {
	t.Helper()
	th, err := s.GetThread(t.Context(), suiteUser, id)
	if err != nil {
		t.Fatalf("GetThread(%s): %v", id, err)
	}
	return th
}

func mustGetRun(t *testing.T, s store.Store, id string) agentd.Run {
	t.Helper()
	r, err := s.GetRun(t.Context(), id)
	if err != nil {
		t.Fatalf("GetRun(%s): %v", id, err)
	}
	return r
}

// finishCheckpoint ends run r at version v with status st.
func finishCheckpoint(r agentd.Run, v int64, st agentd.RunStatus, at time.Time) store.Checkpoint {
	cp := checkpoint(r, v)
	cp.Finish = &store.Finish{Status: st, At: at}
	return cp
}

// cleanupThreads deletes the threads when the test ends, so a shared
// database does not accumulate them. A thread already gone is fine.
func cleanupThreads(t *testing.T, s store.Store, ids ...string) {
	cleanupThreadsOf(t, s, suiteUser, ids...)
}

// cleanupThreadsOf is cleanupThreads for threads of another user.
func cleanupThreadsOf(t *testing.T, s store.Store, owner string, ids ...string) {
	t.Cleanup(func() {
		// t.Context is already cancelled when cleanups run.
		ctx := context.Background()
		for _, id := range ids {
			err := s.DeleteThread(ctx, owner, id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("cleanup: DeleteThread(%s): %v", id, err)
			}
		}
	})
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: error %v, want %v", what, err, target)
	}
}

func wantCode(t *testing.T, what string, err error, code agentd.Code) {
	t.Helper()
	var e *agentd.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("%s: error %v, want an *agentd.Error with code %s", what, err, code)
	}
}

func user(id, text string) store.AppendMessage {
	return store.AppendMessage{Message: agui.Message{ID: id, Role: agui.RoleUser, Content: agui.TextContent(text)}}
}

func assistant(id, runID, text string) store.AppendMessage {
	return store.AppendMessage{
		Message: agui.Message{ID: id, Role: agui.RoleAssistant, Content: agui.TextContent(text)},
		RunID:   runID,
	}
}

func messagesOf(ms ...store.AppendMessage) []agui.Message {
	out := make([]agui.Message, len(ms))
	for i, m := range ms {
		out[i] = m.Message
	}
	return out
}

// sameMessages fails unless got and want hold equal messages in the same
// order. JSON-valued fields compare by meaning, since an engine may
// normalise whitespace or key order.
func sameMessages(t *testing.T, what string, got, want []agui.Message) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d messages %s, want %d %s", what, len(got), messageIDs(got), len(want), messageIDs(want))
	}
	for i := range want {
		if d := messageDiff(got[i], want[i]); d != "" {
			t.Fatalf("%s: message %d (%s): %s", what, i, want[i].ID, d)
		}
	}
}

func messageIDs(ms []agui.Message) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

func messageDiff(got, want agui.Message) string {
	if !sameJSON(got.Content, want.Content) {
		return fmt.Sprintf("content %s, want %s", got.Content, want.Content)
	}
	if !sameJSON(got.Metadata, want.Metadata) {
		return fmt.Sprintf("metadata %s, want %s", got.Metadata, want.Metadata)
	}
	got.Content, want.Content, got.Metadata, want.Metadata = nil, nil, nil, nil
	if !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return ""
}

// sameJSON reports whether a and b are the same JSON value (both absent
// counts as the same). Numbers compare by their text, so no precision is
// lost.
func sameJSON(a, b []byte) bool {
	if len(bytes.TrimSpace(a)) == 0 || len(bytes.TrimSpace(b)) == 0 {
		return len(bytes.TrimSpace(a)) == len(bytes.TrimSpace(b))
	}
	va, errA := decodeJSON(a)
	vb, errB := decodeJSON(b)
	return errA == nil && errB == nil && reflect.DeepEqual(va, vb)
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func sameState(t *testing.T, what string, got, want json.RawMessage) {
	t.Helper()
	if !sameJSON(got, want) {
		t.Fatalf("%s: state %s, want %s", what, got, want)
	}
}

func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Fatalf("%s: %v, want %v", what, got, want)
	}
}

// sameRun compares two runs field by field; times compare as instants.
func sameRun(t *testing.T, what string, got, want agentd.Run) {
	t.Helper()
	g, w := got, want
	g.LeaseUntil, g.StartedAt, g.FinishedAt = time.Time{}, time.Time{}, time.Time{}
	w.LeaseUntil, w.StartedAt, w.FinishedAt = time.Time{}, time.Time{}, time.Time{}
	if g != w {
		t.Fatalf("%s: run %+v, want %+v", what, got, want)
	}
	sameTime(t, what+": LeaseUntil", got.LeaseUntil, want.LeaseUntil)
	sameTime(t, what+": StartedAt", got.StartedAt, want.StartedAt)
	sameTime(t, what+": FinishedAt", got.FinishedAt, want.FinishedAt)
}
