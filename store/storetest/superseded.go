package storetest

import (
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/store"
)

// marked is a message of a thread's whole history as the suite expects it.
type marked struct {
	msg store.AppendMessage
	by  string // the superseding run; "" for a current message
}

// current and superseded build the expected history.
func current(m store.AppendMessage) marked { return marked{msg: m} }

func superseded(m store.AppendMessage, by string) marked { return marked{msg: m, by: by} }

// sameHistory fails unless ThreadHistory gives the thread GetThread gives
// and exactly the messages want, in order, with their marks.
func sameHistory(t *testing.T, what string, s store.Store, threadID string, want ...marked) {
	t.Helper()
	th, all, err := s.ThreadHistory(t.Context(), suiteUser, threadID)
	if err != nil {
		t.Fatalf("%s: ThreadHistory(%s): %v", what, threadID, err)
	}
	sameThread(t, what+": ThreadHistory's thread", s, th)
	got := make([]agui.Message, len(all))
	msgs := make([]agui.Message, len(want))
	for i, m := range all {
		got[i] = m.Message
	}
	for i, m := range want {
		msgs[i] = m.msg.Message
	}
	sameMessages(t, what+": whole history", got, msgs)
	for i, m := range want {
		if all[i].SupersededBy != m.by {
			t.Fatalf("%s: message %d (%s) superseded by %q, want %q", what, i, m.msg.ID, all[i].SupersededBy, m.by)
		}
	}
}

// testSuperseded: an edit or a regenerate, through StartRun's Reconcile
// or Commit, keeps the messages it cuts off, marked with its run;
// GetThread and the message count show only the current branch, and a
// superseded id may be sent again while a current one may not. Only
// DeleteThread removes them.
func testSuperseded(t *testing.T, s store.Store) {
	id := ids(t)
	at := now()
	threadID := id("thread")
	cleanupThreads(t, s, threadID)
	runA, runB, runC := id("run"), id("run"), id("run")
	q1, a1 := user(id("m"), "one"), assistant(id("m"), runA, "answer one")
	q2, a2 := user(id("m"), "two"), assistant(id("m"), runA, "answer two")
	start := func(runID string, after time.Duration, rec store.Reconciled) (agentd.Run, agentd.Thread) {
		return mustStart(t, s, reconciling(startParams(runID, threadID, at.Add(after), time.Hour),
			rec, new(agentd.Thread), new(int)))
	}
	a, th := start(runA, 0, store.Reconciled{TruncateAt: -1, Append: []store.AppendMessage{q1, a1, q2, a2}})
	mustCommit(t, s, finishCheckpoint(a, th.Version, agentd.RunSucceeded, at))
	sameHistory(t, "before any fork", s, threadID, current(q1), current(a1), current(q2), current(a2))

	// An edit of q2 when run B starts: the client resends its id with new
	// content.
	edited := user(q2.ID, "two, edited")
	b, th := start(runB, time.Second, store.Reconciled{TruncateAt: 2, Append: []store.AppendMessage{edited}})
	sameMessages(t, "StartRun's thread after the edit", th.Messages, messagesOf(q1, a1, edited))
	answer := assistant(id("m"), runB, "answer two, edited")
	cp := finishCheckpoint(b, th.Version, agentd.RunSucceeded, at.Add(time.Second))
	cp.Append = []store.AppendMessage{answer}
	mustCommit(t, s, cp)
	sameMessages(t, "GetThread after the edit", mustGetThread(t, s, threadID).Messages, messagesOf(q1, a1, edited, answer))
	if sum := findSummary(t, s, threadID); sum.MessageCount != 4 {
		t.Fatalf("message count after the edit %d, want 4 (the current branch)", sum.MessageCount)
	}
	sameHistory(t, "after the edit", s, threadID,
		current(q1), current(a1), superseded(q2, runB), superseded(a2, runB), current(edited), current(answer))

	// A regenerate through run C's Commit: the answer is replaced; the
	// messages superseded before keep the run that superseded them.
	c, th := start(runC, 2*time.Second, store.Reconciled{TruncateAt: -1})
	again := assistant(id("m"), runC, "answer two, again")
	regen := checkpoint(c, th.Version, again)
	regen.TruncateAt = 3
	v := mustCommit(t, s, regen)
	sameMessages(t, "GetThread after the regenerate", mustGetThread(t, s, threadID).Messages, messagesOf(q1, a1, edited, again))
	sameHistory(t, "after the regenerate", s, threadID,
		current(q1), current(a1), superseded(q2, runB), superseded(a2, runB), current(edited),
		superseded(answer, runC), current(again))

	// A current id is still unique; a superseded one is free again.
	_, err := s.Commit(t.Context(), checkpoint(c, v, user(edited.ID, "edited again")))
	wantCode(t, "appending an id that is current and superseded", err, agentd.CodeConflict)
	reused := assistant(a2.ID, runC, "a superseded id, reused")
	v = mustCommit(t, s, checkpoint(c, v, reused))
	sameMessages(t, "GetThread after reusing a superseded id", mustGetThread(t, s, threadID).Messages,
		messagesOf(q1, a1, edited, again, reused))

	// Truncating at 0 supersedes the whole branch; nothing is deleted.
	cut := finishCheckpoint(c, v, agentd.RunSucceeded, at.Add(3*time.Second))
	cut.TruncateAt = 0
	mustCommit(t, s, cut)
	if sum := findSummary(t, s, threadID); sum.MessageCount != 0 {
		t.Fatalf("message count after truncating at 0 %d, want 0", sum.MessageCount)
	}
	sameHistory(t, "after truncating at 0", s, threadID,
		superseded(q1, runC), superseded(a1, runC), superseded(q2, runB), superseded(a2, runB), superseded(edited, runC),
		superseded(answer, runC), superseded(again, runC), superseded(reused, runC))

	_, _, err = s.ThreadHistory(t.Context(), "someone-else", threadID)
	wantErr(t, "ThreadHistory of another user's thread", err, store.ErrNotFound)
	if err := s.DeleteThread(t.Context(), suiteUser, threadID); err != nil {
		t.Fatalf("DeleteThread: %v", err)
	}
	_, _, err = s.ThreadHistory(t.Context(), suiteUser, threadID)
	wantErr(t, "ThreadHistory of a deleted thread", err, store.ErrNotFound)
}

// PreSuperseded checks a store migrated from before superseded history
// (migration 2) holding the thread threadID of user with the messages
// want: they are its current branch, and the first fork keeps them.
func PreSuperseded(t *testing.T, s store.Store, user, threadID string, want []agui.Message) {
	t.Helper()
	th, all, err := s.ThreadHistory(t.Context(), user, threadID)
	if err != nil {
		t.Fatalf("ThreadHistory of the migrated thread: %v", err)
	}
	sameMessages(t, "migrated thread", th.Messages, want)
	for i, m := range all {
		if m.SupersededBy != "" || i >= len(want) || m.ID != want[i].ID {
			t.Fatalf("migrated history: message %d is %s superseded by %q; want only %v, current", i, m.ID, m.SupersededBy, messageIDs(want))
		}
	}
	if len(all) != len(want) {
		t.Fatalf("migrated history holds %d messages, want %d", len(all), len(want))
	}
	// An edit of the last message resends its id; the first write after
	// the migration must give it a number after the old rows.
	last := want[len(want)-1]
	edited := store.AppendMessage{Message: agui.Message{ID: last.ID, Role: last.Role, Content: agui.TextContent("edited after the migration")}}
	p := startParams("after-superseded-migration", threadID, now(), time.Minute)
	p.User = user
	p.Reconcile = func(agentd.Thread) store.Reconciled {
		return store.Reconciled{TruncateAt: len(want) - 1, Append: []store.AppendMessage{edited}}
	}
	if _, _, err := s.StartRun(t.Context(), p); err != nil {
		t.Fatalf("StartRun editing the migrated thread: %v", err)
	}
	th, all, err = s.ThreadHistory(t.Context(), user, threadID)
	if err != nil {
		t.Fatalf("ThreadHistory after the edit: %v", err)
	}
	sameMessages(t, "migrated thread after the edit", th.Messages, append(want[:len(want)-1:len(want)-1], edited.Message))
	got := make([]agui.Message, len(all))
	for i, m := range all {
		got[i] = m.Message
	}
	sameMessages(t, "migrated history after the edit", got, append(want[:len(want):len(want)], edited.Message))
	if by := all[len(want)-1].SupersededBy; by != p.RunID {
		t.Fatalf("the edited message is superseded by %q, want %q", by, p.RunID)
	}
}
