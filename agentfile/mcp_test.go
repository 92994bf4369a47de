package agentfile_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/agentfile"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/mcptools/mcptest"
	"github.com/agentd/agentd/runs"
	"github.com/agentd/agentd/store"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/goleak"
)

// mcpmath is the example stdio MCP server, built once for the tests.
var mcpmath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "agentfile-test")
	if err != nil {
		panic(err)
	}
	mcpmath = filepath.Join(dir, "mcpmath")
	if out, err := exec.Command("go", "build", "-o", mcpmath, "github.com/agentd/agentd/examples/mcpmath").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build mcpmath: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	if code == 0 {
		// Every MCP session and child process ends with its agents file.
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// script is a model that plays one turn function per model call and
// records every request it gets.
type script struct {
	mu    sync.Mutex
	turns []func(req *llm.Request) []llm.Delta
	seen  []llm.Request
}

func (s *script) Name() string { return "script" }

func (s *script) Stream(ctx context.Context, req *llm.Request, emit func(llm.Delta) error) error {
	s.mu.Lock()
	cp := *req
	cp.Messages = append([]agui.Message(nil), req.Messages...)
	s.seen = append(s.seen, cp)
	if len(s.turns) == 0 {
		s.mu.Unlock()
		return fmt.Errorf("script: no turn left")
	}
	turn := s.turns[0]
	s.turns = s.turns[1:]
	s.mu.Unlock()
	for _, d := range turn(&cp) {
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

func (s *script) play(turns ...func(req *llm.Request) []llm.Delta) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.turns = append(s.turns, turns...)
}

func (s *script) requests() []llm.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]llm.Request(nil), s.seen...)
}

// calls is a turn that calls tools: name, JSON arguments, name, ….
func calls(nameArgs ...string) func(*llm.Request) []llm.Delta {
	return func(*llm.Request) []llm.Delta {
		var out []llm.Delta
		for i := 0; i+1 < len(nameArgs); i += 2 {
			out = append(out, llm.Delta{ToolCall: &llm.ToolCallDelta{Index: i / 2, ID: fmt.Sprint("call", i/2), Name: nameArgs[i], Args: nameArgs[i+1]}})
		}
		return out
	}
}

func say(text string) func(*llm.Request) []llm.Delta {
	return func(*llm.Request) []llm.Delta { return []llm.Delta{{Text: text}} }
}

// fixture is a file agent "calc" with the stdio server "local" and the
// HTTP server "remote", both the mcptest math server, run by a manager on
// SQLite with the scripted model.
type fixture struct {
	model   *script
	mgr     *runs.Manager
	store   store.Store
	agent   *agent.Agent
	pidfile string
	auth    chan string // the Authorization header of each HTTP request
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{model: &script{}, pidfile: filepath.Join(t.TempDir(), "pid"), auth: make(chan string, 1000)}
	handler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return mcptest.Math() }, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.auth <- r.Header.Get("Authorization")
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("TEST_MCP_TOKEN", "s3cret")
	path := writeFile(t, fmt.Sprintf(`agents:
  - name: calc
    model: script
    instructions: You add numbers.
    mcp:
      - name: local
        command: [%q]
        env: {MCPMATH_PIDFILE: %q}
        timeout: 10s
      - name: remote
        url: %s
        headers: {Authorization: "Bearer ${TEST_MCP_TOKEN}"}
default_agent: calc
`, mcpmath, f.pidfile, srv.URL))
	f.serve(t, path)
	return f
}

// serve loads the agents file at path, whose only agent is calc, and
// starts a manager for it.
func (f *fixture) serve(t *testing.T, path string) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	l, err := agentfile.Load(path, agentfile.Options{Logger: log,
		Model: func(spec string) (llm.Provider, error) { return f.model, nil }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close) // after the manager's drain, registered below
	if l.Default != "calc" || len(l.Agents) != 1 {
		t.Fatalf("loaded %d agents, default %q", len(l.Agents), l.Default)
	}
	f.agent = l.Agents[0]
	if err := f.agent.Health(); err != nil {
		t.Fatalf("the servers are not up after Load: %v", err)
	}
	f.store = testenv.SQLite(t)
	f.mgr, err = runs.New(runs.Config{Store: f.store, Agents: l.Agents, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.mgr.Drain(context.Background()) })
}

// run runs calc on thread with one user message and returns the stored
// thread.
func (f *fixture) run(t *testing.T, thread, runID, text string) agentd.Thread {
	t.Helper()
	in := &agui.RunAgentInput{ThreadID: thread, RunID: runID, State: json.RawMessage(`{}`),
		Messages: []agui.Message{{ID: runID + "-u", Role: agui.RoleUser, Content: agui.TextContent(text)}}}
	r, err := f.mgr.Start(context.Background(), runs.Request{Agent: "calc", User: agentd.LocalUser, Input: in})
	if err != nil {
		t.Fatal(err)
	}
	<-r.Wait()
	rec, err := f.store.GetRun(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != agentd.RunSucceeded {
		t.Fatalf("run %s: %s %s %s", runID, rec.Status, rec.ErrorCode, rec.ErrorMsg)
	}
	th, err := f.store.GetThread(context.Background(), agentd.LocalUser, thread)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

// toolResults are the contents of the tool messages, by tool call id.
func toolResults(msgs []agui.Message) map[string]string {
	out := map[string]string{}
	for _, m := range msgs {
		if m.Role == agui.RoleTool {
			out[m.ToolCallID] = m.Text()
		}
	}
	return out
}

func TestMCPToolCallsReachBothServersAndTheirResultsTheModelAndThread(t *testing.T) {
	f := newFixture(t)
	f.model.play(calls("local_add", `{"a":2,"b":3}`, "remote_add", `{"a":40,"b":2}`, "local_fail", `{"message":"no such number"}`), say("done"))
	th := f.run(t, "t1", "r1", "add them")

	reqs := f.model.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d model calls, want 2", len(reqs))
	}
	// Both servers offer add, fail and wait: every name is prefixed.
	offered := map[string]string{}
	for _, tool := range reqs[0].Tools {
		offered[tool.Name] = string(tool.Parameters)
	}
	for _, name := range []string{"local_add", "local_fail", "local_wait", "remote_add", "remote_fail", "remote_wait"} {
		if _, ok := offered[name]; !ok {
			t.Errorf("tool %s not offered; offered %v", name, offered)
		}
	}
	if p := offered["local_add"]; !strings.Contains(p, `"a"`) || !strings.Contains(p, `"b"`) {
		t.Errorf("local_add's schema lost its properties: %s", p)
	}
	want := map[string]string{"call0": "2 + 3 = 5", "call1": "40 + 2 = 42", "call2": "Error: no such number"}
	for name, got := range map[string]map[string]string{"the model": toolResults(reqs[1].Messages), "the thread": toolResults(th.Messages)} {
		for id, w := range want {
			if got[id] != w {
				t.Errorf("%s got %q for %s, want %q", name, got[id], id, w)
			}
		}
	}
	if last := th.Messages[len(th.Messages)-1]; last.Text() != "done" {
		t.Errorf("the thread ends with %q", last.Text())
	}
	select {
	case h := <-f.auth:
		if h != "Bearer s3cret" {
			t.Errorf("the HTTP server got Authorization %q, want the header with ${TEST_MCP_TOKEN} expanded", h)
		}
	default:
		t.Error("the HTTP server got no request")
	}
}

func TestAStdioServerKilledMidRunIsAToolErrorAndRestarts(t *testing.T) {
	f := newFixture(t)
	first := readPID(t, f.pidfile)
	// The model's turn kills the server before its call reaches it.
	f.model.play(func(*llm.Request) []llm.Delta {
		if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
			t.Error(err)
		}
		return calls("local_add", `{"a":1,"b":1}`)(nil)
	}, say("the tool failed"))
	th := f.run(t, "t1", "r1", "add")
	got := toolResults(th.Messages)["call0"]
	if !strings.HasPrefix(got, "Error: ") || !strings.Contains(got, "local") {
		t.Errorf("the killed server's call gave %q, want an error naming the server", got)
	}
	t.Logf("the killed server's call: %s", got)
	if seen := toolResults(f.model.requests()[1].Messages)["call0"]; seen != got {
		t.Errorf("the model saw %q, the thread has %q", seen, got)
	}

	// The server comes back, a new process, for the next run.
	deadline := time.Now().Add(15 * time.Second)
	for f.agent.Health() != nil || readPID(t, f.pidfile) == first {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not come back: %v", f.agent.Health())
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.model.play(calls("local_add", `{"a":1,"b":1}`), say("2"))
	th = f.run(t, "t2", "r2", "add again")
	if got := toolResults(th.Messages)["call0"]; got != "1 + 1 = 2" {
		t.Errorf("after the restart the call gave %q", got)
	}
}

func readPID(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("pid file %q: %v", b, err)
	}
	return pid
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "agents.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
