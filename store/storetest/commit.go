package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/store"
)

// richMessages covers every shape of AG-UI message the store must carry
// unchanged.
func richMessages(id func(string) string, runID string) []store.AppendMessage {
	return []store.AppendMessage{
		{Message: agui.Message{ID: id("m"), Role: agui.RoleSystem, Name: "setup", Content: agui.TextContent("You are terse.")}},
		{Message: agui.Message{ID: id("m"), Role: agui.RoleUser,
			Content: agui.TextContent("héllo <b>&</b> \"quoted\" \\ 😀\nline two")}},
		{Message: agui.Message{ID: id("m"), Role: agui.RoleUser,
			Content: json.RawMessage(`[{"type":"text","text":"what is this?"},` +
				`{"type":"binary","mimeType":"image/png","url":"https://example.com/a.png"}]`),
			Metadata: json.RawMessage(`{"client":{"tab":3},"big":12345678901234567890}`)}},
		{RunID: runID, Message: agui.Message{ID: id("m"), Role: agui.RoleAssistant,
			Content: agui.TextContent("Let me check."),
			ToolCalls: []agui.ToolCall{
				{ID: "call_1", Type: "function", Function: agui.FunctionCall{Name: "get_weather", Arguments: `{"city":"Paris","days":3}`}},
				{ID: "call_2", Type: "function", Function: agui.FunctionCall{Name: "now", Arguments: `{}`}},
			}}},
		{RunID: runID, Message: agui.Message{ID: id("m"), Role: agui.RoleTool, ToolCallID: "call_1",
			Content: agui.TextContent(""), Error: "tool failed: upstream timeout"}},
		{RunID: runID, Message: agui.Message{ID: id("m"), Role: agui.RoleTool, ToolCallID: "call_2",
			Content: agui.TextContent(`{"time":"12:00"}`)}},
		{RunID: runID, Message: agui.Message{ID: id("m"), Role: agui.RoleAssistant,
			ToolCalls: []agui.ToolCall{{ID: "call_3", Type: "function", Function: agui.FunctionCall{Name: "confirm", Arguments: `{"q":"ok?"}`}}}}},
		{RunID: runID, Message: agui.Message{ID: id("m"), Role: agui.RoleReasoning, Content: agui.TextContent("thinking"), EncryptedValue: "ZW5jcnlwdGVk"}},
		{RunID: runID, Message: agui.Message{ID: id("m"), Role: agui.RoleActivity, ActivityType: "progress",
			Content: json.RawMessage(`{"step":2,"of":5,"label":"search"}`)}},
	}
}

func testMessagesRoundTrip(t *testing.T, s store.Store) {
	id := ids(t)
	at := now().Add(-time.Hour)
	threadID := id("thread")
	cleanupThreads(t, s, threadID)
	a, th := mustStart(t, s, startParams(id("run"), threadID, at, 2*time.Hour))
	msgs := richMessages(id, a.ID)

	v1 := mustCommit(t, s, checkpoint(a, th.Version, msgs[:4]...))
	got := mustGetThread(t, s, threadID)
	if got.Version != v1 {
		t.Fatalf("version %d, want %d", got.Version, v1)
	}
	sameMessages(t, "after the first commit", got.Messages, messagesOf(msgs[:4]...))
	if !got.UpdatedAt.After(got.CreatedAt) {
		t.Fatalf("UpdatedAt %v not after CreatedAt %v (created an hour ago)", got.UpdatedAt, got.CreatedAt)
	}
	sameTime(t, "CreatedAt after a commit", got.CreatedAt, at)

	v2 := mustCommit(t, s, checkpoint(a, v1, msgs[4:]...))
	got = mustGetThread(t, s, threadID)
	if got.Version != v2 {
		t.Fatalf("version %d, want %d", got.Version, v2)
	}
	sameMessages(t, "after the second commit", got.Messages, messagesOf(msgs...))

	// The next run sees the same history, and listings count it.
	mustCommit(t, s, finishCheckpoint(a, v2, agentd.RunSucceeded, at.Add(time.Minute)))
	_, thB := mustStart(t, s, startParams(id("run"), threadID, at.Add(2*time.Minute), time.Hour))
	sameMessages(t, "thread given to the next run", thB.Messages, messagesOf(msgs...))
	sum := findSummary(t, s, threadID)
	if sum.MessageCount != len(msgs) || sum.Agent != a.Agent {
		t.Fatalf("summary %+v, want %d messages, agent %s", sum, len(msgs), a.Agent)
	}
	sameTime(t, "summary CreatedAt", sum.CreatedAt, at)
}

func testState(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	threadID := id("thread")
	cleanupThreads(t, s, threadID)
	a, th := mustStart(t, s, startParams(id("run"), threadID, at, time.Hour))

	state := json.RawMessage(`{"count":1,"items":["a","b"],"nested":{"ok":true,"n":null}}`)
	cp := checkpoint(a, th.Version)
	cp.State = state
	v := mustCommit(t, s, cp)
	sameState(t, "after setting it", mustGetThread(t, s, threadID).State, state)

	// nil State leaves it alone.
	v = mustCommit(t, s, checkpoint(a, v, user(id("m"), "x")))
	sameState(t, "after a commit without state", mustGetThread(t, s, threadID).State, state)

	cp = finishCheckpoint(a, v, agentd.RunSucceeded, at.Add(time.Second))
	cp.State = json.RawMessage(`{}`)
	mustCommit(t, s, cp)
	_, thB := mustStart(t, s, startParams(id("run"), threadID, at.Add(2*time.Second), time.Hour))
	sameState(t, "after resetting it, as given to the next run", thB.State, []byte(`{}`))
}

func testTruncate(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	threadID := id("thread")
	cleanupThreads(t, s, threadID)
	a, th := mustStart(t, s, startParams(id("run"), threadID, at, time.Hour))
	m0, m1 := user(id("m"), "zero"), assistant(id("m"), a.ID, "one")
	m2, m3 := user(id("m"), "two"), assistant(id("m"), a.ID, "three")
	v := mustCommit(t, s, checkpoint(a, th.Version, m0, m1, m2, m3))

	// Fork at position 2: an edited m2 and a new answer. The answer reuses
	// m3's id, which the truncation freed.
	edited := user(id("m"), "two, edited")
	answer := assistant(m3.ID, a.ID, "three, again")
	cp := checkpoint(a, v, edited, answer)
	cp.TruncateAt = 2
	v = mustCommit(t, s, cp)
	sameMessages(t, "after truncating at 2", mustGetThread(t, s, threadID).Messages, messagesOf(m0, m1, edited, answer))

	// TruncateAt past the end deletes nothing.
	extra := user(id("m"), "extra")
	cp = checkpoint(a, v, extra)
	cp.TruncateAt = 10
	v = mustCommit(t, s, cp)
	sameMessages(t, "after truncating past the end", mustGetThread(t, s, threadID).Messages, messagesOf(m0, m1, edited, answer, extra))

	// TruncateAt 0 with nothing to append empties the thread.
	cp = checkpoint(a, v)
	cp.TruncateAt = 0
	v = mustCommit(t, s, cp)
	if got := mustGetThread(t, s, threadID).Messages; len(got) != 0 {
		t.Fatalf("after truncating at 0: %d messages, want none", len(got))
	}
	fresh := user(m0.ID, "a fresh start")
	mustCommit(t, s, checkpoint(a, v, fresh))
	sameMessages(t, "after appending to the emptied thread", mustGetThread(t, s, threadID).Messages, messagesOf(fresh))
	if sum := findSummary(t, s, threadID); sum.MessageCount != 1 {
		t.Fatalf("message count %d, want 1", sum.MessageCount)
	}
}

func testVersionConflict(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	threadID := id("thread")
	cleanupThreads(t, s, threadID)
	a, th := mustStart(t, s, startParams(id("run"), threadID, at, time.Hour))
	m := user(id("m"), "one")
	v := mustCommit(t, s, checkpoint(a, th.Version, m))

	for _, stale := range []int64{th.Version, v + 1} {
		cp := checkpoint(a, stale, user(id("m"), "conflicting"))
		cp.State = json.RawMessage(`{"lost":true}`)
		cp.Finish = &store.Finish{Status: agentd.RunSucceeded, At: at}
		_, err := s.Commit(t.Context(), cp)
		wantErr(t, "Commit at a stale version", err, store.ErrVersion)
	}
	got := mustGetThread(t, s, threadID)
	if got.Version != v {
		t.Fatalf("version after refused commits %d, want %d", got.Version, v)
	}
	sameMessages(t, "after refused commits", got.Messages, messagesOf(m))
	sameState(t, "after refused commits", got.State, []byte(`{}`))
	sameRun(t, "run after refused finishes", mustGetRun(t, s, a.ID), a)
	v = mustCommit(t, s, checkpoint(a, v, user(id("m"), "two")))

	// A negative version skips the check: a run whose last write failed
	// can still be ended. The returned version is the thread's next one.
	end := finishCheckpoint(a, -1, agentd.RunFailed, at.Add(time.Second))
	got2, err := s.Commit(t.Context(), end)
	if err != nil || got2 != v+1 {
		t.Fatalf("Commit with version -1 = %d, %v; want %d, nil", got2, err, v+1)
	}
	if r := mustGetRun(t, s, a.ID); r.Status != agentd.RunFailed {
		t.Fatalf("run status %s after finishing with version -1, want failed", r.Status)
	}
}

func testDuplicateMessageID(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	threadID := id("thread")
	cleanupThreads(t, s, threadID)
	a, th := mustStart(t, s, startParams(id("run"), threadID, at, time.Hour))
	m := user(id("m"), "one")
	v := mustCommit(t, s, checkpoint(a, th.Version, m))

	fresh := assistant(id("m"), a.ID, "fresh")
	again := user(m.ID, "same id, other text")
	twice := assistant(id("m"), a.ID, "twice")
	for name, batch := range map[string][]store.AppendMessage{
		"an id already in the thread": {fresh, again},
		"an id twice in one commit":   {twice, twice},
	} {
		_, err := s.Commit(t.Context(), checkpoint(a, v, batch...))
		if err == nil {
			t.Fatalf("Commit with %s succeeded", name)
		}
		if errors.Is(err, store.ErrVersion) || errors.Is(err, store.ErrFenced) {
			t.Fatalf("Commit with %s: %v, want a conflict error", name, err)
		}
		wantCode(t, "Commit with "+name, err, agentd.CodeConflict)
	}
	got := mustGetThread(t, s, threadID)
	if got.Version != v {
		t.Fatalf("version after refused commits %d, want %d", got.Version, v)
	}
	sameMessages(t, "after refused commits", got.Messages, messagesOf(m))
	mustCommit(t, s, checkpoint(a, v, fresh))
}

// findSummary pages through all threads until it finds id.
func findSummary(t *testing.T, s store.Store, id string) agentd.ThreadSummary {
	t.Helper()
	q := store.ThreadQuery{User: suiteUser, Limit: 500}
	for range maxPages {
		page, err := s.ListThreads(t.Context(), q)
		if err != nil {
			t.Fatalf("ListThreads: %v", err)
		}
		for _, th := range page.Threads {
			if th.ID == id {
				return th
			}
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	t.Fatalf("thread %s not found in ListThreads", id)
	return agentd.ThreadSummary{}
}

// maxPages bounds every listing loop, in case a store's cursor never ends.
const maxPages = 10000
