package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/agui"
)

// recordingServer answers each run with "reply N" and keeps every request.
// rejectTurn (1-based, 0 for none) is answered 429 instead.
type recordingServer struct {
	mu       sync.Mutex
	requests []*agui.RunAgentInput
}

func (s *recordingServer) start(t *testing.T, rejectTurn int) string {
	return serve(t, func(w http.ResponseWriter, r *http.Request) {
		in := readInput(t, r)
		s.mu.Lock()
		s.requests = append(s.requests, in)
		n := len(s.requests)
		s.mu.Unlock()
		if n == rejectTurn {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		startSSE(w)
		send(t, w, textRun(in, fmt.Sprintf("a%d", n), "reply ", fmt.Sprint(n))...)
	})
}

// roles summarises a request's messages as "user:<text> assistant:<text> …".
func roles(in *agui.RunAgentInput) string {
	var parts []string
	for _, m := range in.Messages {
		parts = append(parts, m.Role+":"+m.Text())
	}
	return strings.Join(parts, " ")
}

func runOneUser(t *testing.T, url string, mode HistoryMode, turns int, tools ...agui.Tool) *Results {
	t.Helper()
	res, err := Run(context.Background(), Config{URLs: []string{url}, Users: 1, Turns: turns, History: mode,
		TurnTimeout: time.Second, Duration: time.Minute, Prompts: []string{"q1", "q2", "q3"}, Tools: tools})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestHistory_FullSendsTheWholeConversation(t *testing.T) {
	t.Parallel()
	var s recordingServer
	runOneUser(t, s.start(t, 0), HistoryFull, 3)
	want := []string{
		"user:q1",
		"user:q1 assistant:reply 1 user:q2",
		"user:q1 assistant:reply 1 user:q2 assistant:reply 2 user:q3",
	}
	if len(s.requests) != 3 {
		t.Fatalf("%d requests, want 3", len(s.requests))
	}
	thread := s.requests[0].ThreadID
	runs := map[string]bool{}
	for i, in := range s.requests {
		if got := roles(in); got != want[i] {
			t.Errorf("turn %d sent %q, want %q", i+1, got, want[i])
		}
		if in.ThreadID != thread || runs[in.RunID] {
			t.Errorf("turn %d: thread %s run %s; want one thread and a new run each turn", i+1, in.ThreadID, in.RunID)
		}
		runs[in.RunID] = true
	}
	if s.requests[1].Messages[1].ID != "a1" {
		t.Errorf("assistant message id %q, want the server's messageId a1", s.requests[1].Messages[1].ID)
	}
}

func TestHistory_NewSendsOnlyUnacknowledgedMessages(t *testing.T) {
	t.Parallel()
	var s recordingServer
	runOneUser(t, s.start(t, 2), HistoryNew, 3) // turn 2 is rejected with 429
	want := []string{"user:q1", "user:q2", "user:q2 user:q3"}
	if len(s.requests) != 3 {
		t.Fatalf("%d requests, want 3", len(s.requests))
	}
	for i, in := range s.requests {
		if got := roles(in); got != want[i] {
			t.Errorf("turn %d sent %q, want %q", i+1, got, want[i])
		}
	}
}

func TestHistory_ClientToolCallsAreAnswered(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []*agui.RunAgentInput
	url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		in := readInput(t, r)
		mu.Lock()
		got = append(got, in)
		n := len(got)
		mu.Unlock()
		startSSE(w)
		if n > 1 {
			send(t, w, textRun(in, "a2", "done")...)
			return
		}
		send(t, w,
			agui.Event{Type: agui.RunStarted, ThreadID: in.ThreadID, RunID: in.RunID},
			// a backend tool, with its result
			agui.Event{Type: agui.ToolCallStart, ToolCallID: "b1", ToolCallName: "lookup", ParentMessageID: "a1"},
			agui.Event{Type: agui.ToolCallArgs, ToolCallID: "b1", Delta: `{"q":`},
			agui.Event{Type: agui.ToolCallArgs, ToolCallID: "b1", Delta: `"x"}`},
			agui.Event{Type: agui.ToolCallEnd, ToolCallID: "b1"},
			agui.Event{Type: agui.ToolCallResult, MessageID: "r1", ToolCallID: "b1", Content: "found"},
			// a client tool the run leaves pending
			agui.Event{Type: agui.ToolCallStart, ToolCallID: "c1", ToolCallName: "confirm", ParentMessageID: "a1"},
			agui.Event{Type: agui.ToolCallArgs, ToolCallID: "c1", Delta: `{}`},
			agui.Event{Type: agui.ToolCallEnd, ToolCallID: "c1"},
			agui.Event{Type: agui.RunFinished, ThreadID: in.ThreadID, RunID: in.RunID,
				Outcome: &agui.Outcome{Type: "success", PendingToolCallIDs: []string{"c1"}}},
		)
	})
	res := runOneUser(t, url, HistoryFull, 2, agui.Tool{Name: "confirm", Description: "ask the user"})
	if res.Outcomes[OutcomeOK] != 2 || len(got) != 2 {
		t.Fatalf("outcomes %v, %d requests", res.Outcomes, len(got))
	}
	msgs := got[1].Messages
	if len(msgs) != 4 {
		t.Fatalf("second turn sent %d messages, want user, assistant, backend result, client result: %s", len(msgs), roles(got[1]))
	}
	a := msgs[1]
	if a.ID != "a1" || a.Role != agui.RoleAssistant || len(a.ToolCalls) != 2 || a.ToolCalls[0].Function.Arguments != `{"q":"x"}` ||
		a.ToolCalls[1].Function.Name != "confirm" || a.ToolCalls[0].Type != "function" {
		t.Errorf("assistant message %+v", a)
	}
	if msgs[2].Role != agui.RoleTool || msgs[2].ID != "r1" || msgs[2].ToolCallID != "b1" || msgs[2].Text() != "found" {
		t.Errorf("backend tool result %+v", msgs[2])
	}
	if msgs[3].Role != agui.RoleTool || msgs[3].ToolCallID != "c1" || !json.Valid([]byte(msgs[3].Text())) {
		t.Errorf("client tool result %+v", msgs[3])
	}
	if len(got[1].Tools) != 1 || got[1].Tools[0].Name != "confirm" {
		t.Errorf("declared tools %+v", got[1].Tools)
	}
}

func TestConversation_MessagesSnapshotMerges(t *testing.T) {
	t.Parallel()
	c := newConversation("t")
	c.add(agui.Message{ID: "u1", Role: agui.RoleUser, Content: agui.TextContent("old")})
	c.add(agui.Message{ID: "gone", Role: agui.RoleAssistant, Content: agui.TextContent("drop me")})
	c.add(agui.Message{ID: "act", Role: agui.RoleActivity})
	c.apply(&agui.Event{Type: agui.MessagesSnapshot, Messages: []agui.Message{
		{ID: "u1", Role: agui.RoleUser, Content: agui.TextContent("new")},
		{ID: "a9", Role: agui.RoleAssistant, Content: agui.TextContent("added")},
	}})
	var ids []string
	for _, m := range c.msgs {
		ids = append(ids, m.ID+"="+m.Text())
	}
	if got := strings.Join(ids, ","); got != "u1=new,act=,a9=added" {
		t.Errorf("after snapshot: %s", got)
	}
}

func TestConversation_TextChunks(t *testing.T) {
	t.Parallel()
	c := newConversation("t")
	for _, d := range []string{"a", "b", "c"} {
		c.apply(&agui.Event{Type: agui.TextMessageChunk, MessageID: "m", Delta: d})
	}
	if len(c.msgs) != 1 || c.msgs[0].Text() != "abc" || c.msgs[0].Role != agui.RoleAssistant {
		t.Errorf("messages %+v", c.msgs)
	}
}
