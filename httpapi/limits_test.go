package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm/sim"
)

// wantError fails unless res is a JSON error of that status and code
// whose message names the limit.
func wantError(t *testing.T, what string, res *result, status int, code agentd.Code, limit string) {
	t.Helper()
	var body struct {
		Error struct {
			Code    agentd.Code
			Message string
		}
	}
	if res.status != status || json.Unmarshal(res.body, &body) != nil || body.Error.Code != code ||
		!strings.Contains(body.Error.Message, limit) {
		t.Fatalf("%s: %d %s; want %d, code %s, a message naming %s", what, res.status, res.body, status, code, limit)
	}
}

// noThreads fails unless GET /threads lists none.
func (b *bundle) noThreads(what string) {
	b.t.Helper()
	res := b.do("GET", "/threads", "", nil, nil)
	if res.status != 200 || strings.TrimSpace(string(res.body)) != `{"next":"","threads":[]}` {
		b.t.Fatalf("%s: GET /threads: %d %s, want no threads", what, res.status, res.body)
	}
}

func TestLimits_RequestOverALimitIsRefusedNamingItAndNothingStored(t *testing.T) {
	t.Parallel()
	b := setup(t, options{limits: agui.Limits{IDBytes: 40, Messages: 3, MessageBytes: 2000, Tools: 2, StateBytes: 500}})
	long := strings.Repeat("i", 41)
	tool := func(n int) []agui.Tool {
		ts := make([]agui.Tool, n)
		for i := range ts {
			ts[i] = agui.Tool{Name: fmt.Sprint("tool", i)}
		}
		return ts
	}
	for _, tc := range []struct {
		name   string
		edit   func(in *agui.RunAgentInput)
		status int
		code   agentd.Code
		limit  string
	}{
		{"thread id", func(in *agui.RunAgentInput) { in.ThreadID = long }, 422, agentd.CodeInvalid, "--max-id-bytes 40"},
		{"run id", func(in *agui.RunAgentInput) { in.RunID = long }, 422, agentd.CodeInvalid, "--max-id-bytes 40"},
		{"message id", func(in *agui.RunAgentInput) { in.Messages[0].ID = long }, 422, agentd.CodeInvalid, "--max-id-bytes 40"},
		{"tool call id", func(in *agui.RunAgentInput) {
			in.Messages = append([]agui.Message{{ID: newID("a"), Role: "assistant", ToolCalls: []agui.ToolCall{
				{ID: long, Type: "function", Function: agui.FunctionCall{Name: "f", Arguments: "{}"}}}}}, in.Messages...)
		}, 422, agentd.CodeInvalid, "--max-id-bytes 40"},
		{"messages", func(in *agui.RunAgentInput) {
			in.Messages = append(in.Messages, userMsg("two"), userMsg("three"), userMsg("four"))
		}, 422, agentd.CodeInvalid, "4 messages, over --max-messages 3"},
		{"message bytes", func(in *agui.RunAgentInput) {
			in.Messages = append(in.Messages, userMsg(strings.Repeat("x", 2000)))
		}, 413, agentd.CodeTooLarge, "over --max-message-bytes 2000"},
		{"tools", func(in *agui.RunAgentInput) { in.Tools = tool(3) }, 422, agentd.CodeInvalid, "3 tools, over --max-tools 2"},
		{"state bytes", func(in *agui.RunAgentInput) {
			in.State = json.RawMessage(`{"notes":"` + strings.Repeat("n", 500) + `"}`)
		}, 413, agentd.CodeTooLarge, "over --max-state-bytes 500"},
	} {
		in := input(newID("t"), userMsg("hello"))
		tc.edit(in)
		wantError(t, tc.name, b.post("/", in), tc.status, tc.code, tc.limit)
	}
	b.noThreads("after refused requests")

	// At every limit at once, a request runs.
	in := input(newID("t"), userMsg("one"), userMsg(strings.Repeat("y", 1900)), userMsg("three"))
	in.Tools, in.State = tool(2), json.RawMessage(`{"notes":"`+strings.Repeat("n", 480)+`"}`)
	b.post("/", in).mustFinish(t, in)
}

func TestLimits_FullThreadRefusesRunsAndStaysReadableAndDeletable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		o      options
		status int
		code   agentd.Code
		limit  string
	}{
		// Each run stores the user's message and the reply: 2 runs fill 4.
		{"messages", options{threadMessages: 4}, 422, agentd.CodeInvalid, "would hold 5 messages, over --max-thread-messages 4"},
		// The first run's 3000-byte question fits; a second one does not.
		{"bytes", options{threadBytes: 5000}, 413, agentd.CodeTooLarge, "over --max-thread-bytes 5000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tc.o)
			fill := func() (string, []agui.Message) {
				t.Helper()
				thread := newID("t")
				var history []agui.Message
				for turn := 1; ; turn++ {
					if turn > 3 {
						t.Fatal("three runs and no refusal")
					}
					history = append(history, userMsg(strings.Repeat("q", 3000)))
					in := input(thread, history...)
					res := b.post("/", in)
					if res.status == 200 {
						res.mustFinish(t, in)
						history, _ = b.thread(thread)
						continue
					}
					wantError(t, "run on a full thread", res, tc.status, tc.code, tc.limit)
					if res := b.do("GET", "/runs/"+in.RunID+"/events", "", nil, nil); res.status != 404 ||
						!strings.Contains(string(res.body), "no run") {
						t.Fatalf("the refused run has a record: %d %s", res.status, res.body)
					}
					// Readable, and the refused run stored nothing.
					stored, _ := b.thread(thread)
					if len(stored) != len(history)-1 {
						t.Fatalf("the refused run stored something: %d messages, want %d", len(stored), len(history)-1)
					}
					return thread, stored
				}
			}

			// A full thread is deletable.
			thread, _ := fill()
			if res := b.do("DELETE", "/threads/"+thread, "", nil, nil); res.status != http.StatusNoContent {
				t.Fatalf("DELETE a full thread: %d %s", res.status, res.body)
			}
			b.noThreads("after deleting the full thread")

			// An edit of a full thread's first question forks it back to
			// one message, within the limits: that run goes ahead.
			thread, stored := fill()
			edit := stored[0]
			edit.Content = agui.TextContent("a short question instead")
			in := input(thread, edit)
			b.post("/", in).mustFinish(t, in)
			if msgs, _ := b.thread(thread); len(msgs) != 2 {
				t.Fatalf("after the edit the thread has %d messages, want 2", len(msgs))
			}
		})
	}
}

// slowBody sends a request whose body trickles in a byte every 50ms over
// a real TCP connection, and returns the response's status line and
// body, or an error if the connection ended without one.
func slowBody(t *testing.T, url, path string) (string, string, error) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"threadId":"slow","runId":"slow-run","messages":[{"id":"u","role":"user","content":"` + strings.Repeat("x", 400) + `"}]}`
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, len(body))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for i := 0; i < len(body) && ctx.Err() == nil; i++ {
			if _, err := conn.Write([]byte{body[i]}); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	// The whole body would take 20s; the server must answer long before.
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.Status, string(b), err
}

func TestLimits_SlowBodyIsCut(t *testing.T) {
	t.Parallel()
	b := setup(t, options{bodyTimeout: 300 * time.Millisecond})
	status, body, err := slowBody(t, b.url, "/")
	if err != nil {
		t.Fatalf("no response to a slow body: %v", err)
	}
	if !strings.HasPrefix(status, "408") || !strings.Contains(body, `"code":"body_timeout"`) || !strings.Contains(body, "--body-timeout 300ms") {
		t.Fatalf("slow body: %s %s; want 408 body_timeout naming --body-timeout", status, body)
	}
	b.noThreads("after a slow body")
	// The server goes on serving.
	in := input(newID("t"), userMsg("hello"))
	b.post("/", in).mustFinish(t, in)
}

// openStream opens GET /runs/{id}/events for user and returns the
// response: its stream stays open until ctx ends.
func openStream(t *testing.T, ctx context.Context, url, runID, user string) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/runs/"+runID+"/events", nil)
	req.Header.Set("X-Test-User", user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestLimits_RejoinStreamsAreCappedPerRunAndPerUser(t *testing.T) {
	t.Parallel()
	b := setup(t, options{model: sim.New(sim.Config{TokensPerSecond: 20, ReplyTokens: 400}), rejoinsPerRun: 2, rejoinsPerUser: 3})
	// Runs 0 and 1 are alice's, run 2 is bob's.
	owners := []string{"alice", "alice", "bob"}
	var runs []string
	for _, owner := range owners {
		in := input(newID("t"), userMsg("a long answer"))
		go b.postAs(owner, "/", in)
		waitRunning(t, b, in.RunID)
		runs = append(runs, in.RunID)
	}
	t.Cleanup(func() {
		for i, id := range runs {
			b.do("POST", "/runs/"+id+"/cancel", "", nil, as(owners[i]))
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	refused := func(what string, resp *http.Response, limit string) {
		t.Helper()
		body, _ := io.ReadAll(resp.Body)
		wantError(t, what, &result{status: resp.StatusCode, body: body}, 429, agentd.CodeRateLimited, limit)
		if resp.Header.Get("Retry-After") == "" {
			t.Fatalf("%s: no Retry-After", what)
		}
	}
	ok := func(what string, resp *http.Response) {
		t.Helper()
		if resp.StatusCode != 200 {
			body, _ := io.ReadAll(resp.Body)
			t.Fatalf("%s: %d %s", what, resp.StatusCode, body)
		}
	}
	// Two streams of run 0; a third is one too many.
	first := openStream(t, ctx, b.url, runs[0], "alice")
	ok("alice's first stream", first)
	ok("alice's second stream", openStream(t, ctx, b.url, runs[0], "alice"))
	refused("a third stream of run 0", openStream(t, ctx, b.url, runs[0], "alice"), "--max-rejoins-per-run 2")
	// Alice's third stream, of run 1, is her last.
	ok("alice's third stream", openStream(t, ctx, b.url, runs[1], "alice"))
	refused("alice's fourth stream", openStream(t, ctx, b.url, runs[1], "alice"), "--max-rejoins-per-user 3")
	ok("bob's stream of run 2", openStream(t, ctx, b.url, runs[2], "bob"))
	// A closed stream frees its slots.
	first.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp := openStream(t, ctx, b.url, runs[0], "alice")
		if resp.StatusCode == 200 {
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("a closed stream's slot was never given back")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
