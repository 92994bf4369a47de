package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/internal/testenv"
)

// historyEntry is a message of GET /threads/{id}?include=superseded.
type historyEntry struct {
	agui.Message
	Superseded   bool   `json:"superseded"`
	SupersededBy string `json:"supersededBy"`
}

// history reads GET /threads/{id}?include=superseded.
func (b *bundle) history(id string) []historyEntry {
	b.t.Helper()
	res := b.do("GET", "/threads/"+id+"?include=superseded", "", nil, nil)
	if res.status != 200 {
		b.t.Fatalf("GET thread history: %d %s", res.status, res.body)
	}
	var body struct{ Messages []historyEntry }
	if err := json.Unmarshal(res.body, &body); err != nil {
		b.t.Fatal(err)
	}
	return body.Messages
}

// entry is an expected history entry: a message and the run that
// superseded it ("" for a current one).
type entry struct {
	msg agui.Message
	by  string
}

func sameHistory(t *testing.T, what string, got []historyEntry, want []entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d messages, want %d: %+v", what, len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.msg.ID || g.Role != w.msg.Role || g.Text() != w.msg.Text() ||
			g.Superseded != (w.by != "") || g.SupersededBy != w.by {
			t.Fatalf("%s: message %d is %s %s %q superseded %v by %q; want %s %s %q by %q",
				what, i, g.ID, g.Role, g.Text(), g.Superseded, g.SupersededBy, w.msg.ID, w.msg.Role, w.msg.Text(), w.by)
		}
	}
}

// currentBranch fails unless the plain GET /threads/{id} holds exactly
// want, with no superseded message and no marks.
func (b *bundle) currentBranch(t *testing.T, what, id string, want ...agui.Message) {
	t.Helper()
	res := b.do("GET", "/threads/"+id, "", nil, nil)
	if res.status != 200 {
		t.Fatalf("%s: GET thread: %d %s", what, res.status, res.body)
	}
	if strings.Contains(string(res.body), "superseded") {
		t.Fatalf("%s: the plain GET marks messages: %s", what, res.body)
	}
	msgs, _ := b.thread(id)
	if len(msgs) != len(want) {
		t.Fatalf("%s: %d messages, want %d: %+v", what, len(msgs), len(want), msgs)
	}
	for i := range want {
		if msgs[i].ID != want[i].ID || msgs[i].Text() != want[i].Text() {
			t.Fatalf("%s: message %d is %s %q, want %s %q", what, i, msgs[i].ID, msgs[i].Text(), want[i].ID, want[i].Text())
		}
	}
}

// TestThread_SupersededHistoryIsKept edits and regenerates a thread over
// HTTP on each store: the plain GET shows the current branch as it always
// did, ?include=superseded shows every message ever stored with the run
// that replaced it, a stale client's history loses nothing, and only
// DELETE removes messages.
func TestThread_SupersededHistoryIsKept(t *testing.T) {
	for name, open := range ownershipStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, options{store: open(t)})
			thread := newID("t")
			run := func(msgs ...agui.Message) (string, agui.Message) {
				t.Helper()
				in := input(thread, msgs...)
				b.post("/", in).mustFinish(t, in)
				got, _ := b.thread(thread)
				return in.RunID, got[len(got)-1]
			}
			u1, u2 := userMsg("first"), userMsg("second")
			_, a1 := run(u1)
			_, a2 := run(u1, a1, u2)
			b.currentBranch(t, "before any fork", thread, u1, a1, u2, a2)

			// Regenerate: the history up to u2, without its reply.
			regen, a2b := run(u1, a1, u2)
			b.currentBranch(t, "after the regenerate", thread, u1, a1, u2, a2b)
			sameHistory(t, "after the regenerate", b.history(thread), []entry{
				{u1, ""}, {a1, ""}, {u2, ""}, {a2, regen}, {a2b, ""}})

			// Edit: u1 with new text forks the thread before it.
			u1e := u1
			u1e.Content = agui.TextContent("first, rephrased")
			edit, a1e := run(u1e)
			b.currentBranch(t, "after the edit", thread, u1e, a1e)
			afterEdit := []entry{{u1, edit}, {a1, edit}, {u2, edit}, {a2, regen}, {a2b, edit}, {u1e, ""}, {a1e, ""}}
			sameHistory(t, "after the edit", b.history(thread), afterEdit)

			// A stale tab still shows the branch before the edit, and sends
			// it with a new question: its old u1 reads as an edit back. The
			// edited branch is superseded, not lost.
			u3 := userMsg("third")
			stale, a3 := run(u1, a1, u2, a2b, u3)
			b.currentBranch(t, "after the stale client", thread, u1, a1, u2, a2b, u3, a3)
			afterEdit[5].by, afterEdit[6].by = stale, stale
			sameHistory(t, "after the stale client", b.history(thread), append(afterEdit,
				entry{u1, ""}, entry{a1, ""}, entry{u2, ""}, entry{a2b, ""}, entry{u3, ""}, entry{a3, ""}))

			for _, q := range []string{"?include=messages", "?include=", "?include=superseded&include=superseded"} {
				res := b.do("GET", "/threads/"+thread+q, "", nil, nil)
				var e struct {
					Error struct{ Code, Message string }
				}
				if err := json.Unmarshal(res.body, &e); err != nil || res.status != 422 ||
					e.Error.Code != "invalid" || !strings.Contains(e.Error.Message, "include") {
					t.Fatalf("GET %s: %d %s, want 422 invalid naming include", q, res.status, res.body)
				}
			}

			// DELETE removes the superseded messages too: the thread id,
			// used again, starts with no history at all.
			if res := b.do("DELETE", "/threads/"+thread, "", nil, nil); res.status != 204 {
				t.Fatalf("DELETE: %d %s", res.status, res.body)
			}
			if res := b.do("GET", "/threads/"+thread+"?include=superseded", "", nil, nil); res.status != 404 {
				t.Fatalf("GET history of the deleted thread: %d %s, want 404", res.status, res.body)
			}
			u4 := userMsg("anew")
			_, a4 := run(u4)
			sameHistory(t, "the thread id used again", b.history(thread), []entry{{u4, ""}, {a4, ""}})
		})
	}
}

// TestThread_SupersededCountsTowardNoLimit regenerates a thread that is at
// both thread limits again and again: the superseded answers pile up
// beyond either limit, and no run is refused for them, while a new
// question still is.
func TestThread_SupersededCountsTowardNoLimit(t *testing.T) {
	t.Parallel()
	st := testenv.SQLite(t)
	thread := newID("t")
	u1, u2 := userMsg("first"), userMsg("second")
	unlimited := setup(t, options{store: st})
	in := input(thread, u1)
	unlimited.post("/", in).mustFinish(t, in)
	msgs, _ := unlimited.thread(thread)
	in = input(thread, u1, msgs[1], u2)
	unlimited.post("/", in).mustFinish(t, in)
	msgs, _ = unlimited.thread(thread)
	var size int64
	for _, m := range msgs {
		size += int64(m.Size())
	}

	// The limits are the thread as it is, plus a few bytes for the
	// answers' ids, which may differ in length.
	b := setup(t, options{store: st, threadMessages: len(msgs), threadBytes: size + 16})
	const regenerates = 3
	for range regenerates {
		in := input(thread, msgs[:3]...)
		b.post("/", in).mustFinish(t, in)
	}
	all := b.history(thread)
	var total int64
	for _, m := range all {
		total += int64(m.Size())
	}
	if len(all) != len(msgs)+regenerates || total <= size+16 {
		t.Fatalf("history of %d messages, %d bytes; want %d, over the limits %d and %d bytes",
			len(all), total, len(msgs)+regenerates, len(msgs), size+16)
	}
	cur, _ := b.thread(thread)
	in = input(thread, append(cur, userMsg("third"))...)
	wantError(t, "a new question on the full thread", b.post("/", in), 422, agentd.CodeInvalid, "--max-thread-messages")
}
