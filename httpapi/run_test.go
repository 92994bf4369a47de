package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/agentd/agentd/agui"
)

func TestRun_PlainReplyIsStored(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	in := input(newID("t"), userMsg("hello there"))
	res := b.post("/", in)
	res.mustFinish(t, in)
	if !strings.Contains(res.text(), "I heard: hello there") {
		t.Errorf("reply %q", res.text())
	}
	if got := res.header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control = %q", got)
	}
	if len(res.ids) != len(res.events) || res.ids[0] != "1" {
		t.Errorf("want an id line per event starting at 1, got %v", res.ids)
	}
	msgs, _ := b.thread(in.ThreadID)
	if len(msgs) != 2 || msgs[0].ID != in.Messages[0].ID || msgs[1].Role != "assistant" {
		t.Fatalf("stored %+v", msgs)
	}
	if start := res.find(agui.TextMessageStart); start == nil || start.MessageID != msgs[1].ID {
		t.Errorf("the stored assistant id differs from the streamed one")
	}
}

func TestRun_MultiTurnFullAndNewOnlyGiveSameHistory(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	full, newOnly := newID("full"), newID("new")
	var history []agui.Message
	for turn := 1; turn <= 3; turn++ {
		u := userMsg("question")
		history = append(history, u)
		in := input(full, history...)
		res := b.post("/", in)
		res.mustFinish(t, in)
		msgs, _ := b.thread(full)
		history = append(history, msgs[len(msgs)-1])

		u2 := userMsg("question")
		in2 := input(newOnly, u2)
		res2 := b.post("/", in2)
		res2.mustFinish(t, in2)
		want := "This is turn " + string(rune('0'+turn))
		if !strings.Contains(res.text(), want) || !strings.Contains(res2.text(), want) {
			t.Fatalf("turn %d: replies %q / %q, want %q", turn, res.text(), res2.text(), want)
		}
	}
	a, _ := b.thread(full)
	c, _ := b.thread(newOnly)
	if len(a) != 6 || len(c) != 6 {
		t.Fatalf("stored %d and %d messages, want 6 each", len(a), len(c))
	}
	for i := range a {
		if a[i].Role != c[i].Role || a[i].Text() != c[i].Text() {
			t.Errorf("message %d differs: %s %q vs %s %q", i, a[i].Role, a[i].Text(), c[i].Role, c[i].Text())
		}
	}
}

func TestRun_ServerToolUpdatesSharedState(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	thread := newID("t")
	in := input(thread, userMsg("please bump_counter"))
	in.State = json.RawMessage(`{"count":41,"keep":"me"}`)
	res := b.post("/", in)
	res.mustFinish(t, in)
	for _, typ := range []agui.EventType{agui.ToolCallStart, agui.ToolCallArgs, agui.ToolCallEnd, agui.ToolCallResult, agui.StateSnapshot} {
		if res.find(typ) == nil {
			t.Errorf("no %s event", typ)
		}
	}
	if snap := res.find(agui.StateSnapshot); snap != nil && string(snap.Snapshot) != `{"count":42}` {
		t.Errorf("snapshot %s", snap.Snapshot)
	}
	if !strings.Contains(res.text(), "counter is 42") {
		t.Errorf("the model did not get the tool result: %q", res.text())
	}
	msgs, state := b.thread(thread)
	if string(state) != `{"count":42}` {
		t.Errorf("stored state %s", state)
	}
	roles := []string{}
	for _, m := range msgs {
		roles = append(roles, m.Role)
	}
	if strings.Join(roles, ",") != "user,assistant,tool,assistant" {
		t.Errorf("stored roles %v", roles)
	}
}

func TestRun_FrontendToolEndsRunThenResultContinues(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	thread := newID("t")
	tool := agui.Tool{Name: "showNotice", Description: "Show a banner",
		Parameters: json.RawMessage(`{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}`)}
	u := userMsg("please call showNotice")
	in := input(thread, u)
	in.Tools = []agui.Tool{tool}
	res := b.post("/", in)
	res.mustFinish(t, in)
	start := res.find(agui.ToolCallStart)
	if start == nil || start.ToolCallName != "showNotice" {
		t.Fatalf("no showNotice call in %+v", res.events)
	}
	if res.find(agui.ToolCallResult) != nil {
		t.Error("the server sent a result for a client tool")
	}
	if out := res.last().Outcome; out != nil {
		t.Errorf("outcome %+v: @ag-ui/client 0.0.59 rejects any outcome but a bare success", out)
	}
	var args strings.Builder
	for _, ev := range res.events {
		if ev.Type == agui.ToolCallArgs {
			args.WriteString(ev.Delta)
		}
	}
	var parsed map[string]any
	if err := json.Unmarshal([]byte(args.String()), &parsed); err != nil || parsed["message"] == nil {
		t.Errorf("arguments %q: %v", args.String(), err)
	}
	// The client runs the tool and sends its result with the whole history.
	call := agui.Message{ID: start.ParentMessageID, Role: "assistant", ToolCalls: []agui.ToolCall{{ID: start.ToolCallID, Type: "function",
		Function: agui.FunctionCall{Name: "showNotice", Arguments: args.String()}}}}
	result := agui.Message{ID: newID("tool"), Role: "tool", ToolCallID: start.ToolCallID, Content: agui.TextContent("shown")}
	in2 := input(thread, u, call, result)
	in2.Tools = in.Tools
	res2 := b.post("/", in2)
	res2.mustFinish(t, in2)
	if !strings.Contains(res2.text(), "shown") {
		t.Errorf("reply %q does not use the tool result", res2.text())
	}
	msgs, _ := b.thread(thread)
	if len(msgs) != 4 || msgs[1].ID != call.ID || msgs[2].ID != result.ID || msgs[3].Role != "assistant" {
		t.Errorf("stored %+v", msgs)
	}
}

func TestRun_DroppedStreamNeverBreaksTheThread(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	thread := newID("t")
	u1 := userMsg("first")
	in := input(thread, u1)
	b.post("/", in).mustFinish(t, in)
	// The client never saw the reply, and invents an assistant message and
	// a tool result for a call the server never made.
	ghost := agui.Message{ID: newID("ghost"), Role: "assistant", ToolCalls: []agui.ToolCall{{ID: "tc-ghost", Type: "function",
		Function: agui.FunctionCall{Name: "nothing", Arguments: "{"}}}}
	orphan := agui.Message{ID: newID("tool"), Role: "tool", ToolCallID: "tc-unknown", Content: agui.TextContent("?")}
	for i, msgs := range [][]agui.Message{
		{u1, userMsg("second")},
		{u1, ghost, orphan, userMsg("third")},
		{userMsg("fourth")},
	} {
		in := input(thread, msgs...)
		res := b.post("/", in)
		res.mustFinish(t, in)
		if !strings.Contains(res.text(), "This is turn") {
			t.Errorf("run %d: reply %q", i, res.text())
		}
	}
}

func TestRun_EditAndRegenerateForkTheThread(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	thread := newID("t")
	u1, u2 := userMsg("first"), userMsg("second")
	in := input(thread, u1)
	b.post("/", in).mustFinish(t, in)
	msgs, _ := b.thread(thread)
	a1 := msgs[1]
	in = input(thread, u1, a1, u2)
	b.post("/", in).mustFinish(t, in)

	// Regenerate: the client resends history up to u2 without its reply.
	in = input(thread, u1, a1, u2)
	b.post("/", in).mustFinish(t, in)
	msgs, _ = b.thread(thread)
	if len(msgs) != 4 || msgs[2].ID != u2.ID {
		t.Fatalf("after regenerate: %d messages %+v", len(msgs), msgs)
	}

	// Edit: u1 with new text forks the thread before it.
	edited := u1
	edited.Content = agui.TextContent("first, rephrased")
	in = input(thread, edited)
	res := b.post("/", in)
	res.mustFinish(t, in)
	if !strings.Contains(res.text(), "I heard: first, rephrased. This is turn 1") {
		t.Errorf("reply after edit %q", res.text())
	}
	msgs, _ = b.thread(thread)
	if len(msgs) != 2 || msgs[0].Text() != "first, rephrased" {
		t.Fatalf("after edit: %+v", msgs)
	}
}

func TestRun_EmptyClientStateGetsTheThreadsState(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	thread := newID("t")
	in := input(thread, userMsg("bump_counter please"))
	in.State = json.RawMessage(`{"count":1}`)
	b.post("/", in).mustFinish(t, in)
	// A new page on the same thread sends {}: it is given the stored state.
	in = input(thread, userMsg("hello"))
	res := b.post("/", in)
	res.mustFinish(t, in)
	if res.events[1].Type != agui.StateSnapshot || string(res.events[1].Snapshot) != `{"count":2}` {
		t.Fatalf("second event %+v, want the stored state", res.events[1])
	}
	// A client that sends its own state is the truth.
	in = input(thread, userMsg("bump_counter again"))
	in.State = json.RawMessage(`{"count":10}`)
	res = b.post("/", in)
	res.mustFinish(t, in)
	if _, state := b.thread(thread); string(state) != `{"count":11}` {
		t.Fatalf("state %s", state)
	}
}
