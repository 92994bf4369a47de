package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

var binary string

// TestMain builds the real binary once; the tests run it as a process.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "agentd-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "agentd")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build agentd: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is one agentd process.
type proc struct {
	cmd    *exec.Cmd
	url    string
	stderr *bytes.Buffer
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startAgentd starts the binary with args; with no --model it is sim,
// whose replies the tests read ("This is turn 3").
func startAgentd(t *testing.T, addr string, args ...string) *proc {
	t.Helper()
	if !slices.Contains(args, "--model") {
		args = append([]string{"--model", "sim"}, args...)
	}
	return startProcess(t, addr, args...)
}

// startProcess starts the binary with exactly args.
func startProcess(t *testing.T, addr string, args ...string) *proc {
	t.Helper()
	p := &proc{url: "http://" + addr, stderr: &bytes.Buffer{}}
	p.cmd = exec.Command(binary, append([]string{"serve", "--addr", addr, "--log-format", "json"}, args...)...)
	p.cmd.Env = append(os.Environ(), "OPENAI_API_KEY=", "ANTHROPIC_API_KEY=")
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("agentd stderr:\n%s", p.stderr.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("agentd did not become ready:\n%s", p.stderr.String())
	return nil
}

type msg struct {
	ID      string `json:"id"`
	Role    string `json:"role"`
	Content string `json:"content,omitempty"`
}

func runBody(thread, run string, msgs ...msg) []byte {
	b, _ := json.Marshal(map[string]any{"threadId": thread, "runId": run, "messages": msgs, "state": map[string]any{}})
	return b
}

// turn posts a run and returns the SSE body; the stream is read to its end.
func turn(t *testing.T, p *proc, body []byte) string {
	t.Helper()
	resp, err := http.Post(p.url+"/", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, out)
	}
	return string(out)
}

func storedThread(t *testing.T, p *proc, id string) []msg {
	t.Helper()
	resp, err := http.Get(p.url + "/threads/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Messages []msg }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Messages
}

// TestKill9BetweenAndDuringTurnsLosesNothing kills the process with
// SIGKILL in the middle of a turn, restarts it on the same file, and
// checks that every committed turn is there and the thread goes on at once.
func TestKill9BetweenAndDuringTurnsLosesNothing(t *testing.T) {
	db := "sqlite://" + filepath.Join(t.TempDir(), "agentd.db")
	addr := freeAddr(t)
	slow := []string{"--store", db, "--sim-tps", "50", "--sim-tokens", "100"}
	p := startAgentd(t, addr, slow...)
	u1 := msg{ID: "u1", Role: "user", Content: "first question"}
	if out := turn(t, p, runBody("th", "r1", u1)); !strings.Contains(out, "RUN_FINISHED") {
		t.Fatalf("turn 1: %s", out)
	}
	// Turn 2: kill -9 once the reply has started streaming.
	u2 := msg{ID: "u2", Role: "user", Content: "second question"}
	resp, err := http.Post(p.url+"/", "application/json", bytes.NewReader(runBody("th", "r2", u1, u2)))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && !strings.Contains(sc.Text(), "TEXT_MESSAGE_CONTENT") {
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	resp.Body.Close()

	p2 := startAgentd(t, addr, slow...)
	got := storedThread(t, p2, "th")
	if len(got) != 3 || got[0].ID != "u1" || got[1].Role != "assistant" || got[2].ID != "u2" {
		t.Fatalf("after kill -9 the thread holds %+v; want u1, its reply, u2", got)
	}
	// The next turn is accepted at once and sees the whole conversation.
	u3 := msg{ID: "u3", Role: "user", Content: "third question"}
	out := turn(t, p2, runBody("th", "r3", u1, got[1], u2, u3))
	if !strings.Contains(replyText(out), "This is turn 3") || !strings.Contains(out, "RUN_FINISHED") {
		t.Fatalf("turn 3 after restart: %s", out)
	}
	if n := len(storedThread(t, p2, "th")); n != 5 {
		t.Errorf("thread has %d messages after turn 3, want 5", n)
	}
}

// TestSIGTERMExitsZero drains and exits 0 with no run in flight.
func TestSIGTERMExitsZero(t *testing.T) {
	p := startAgentd(t, freeAddr(t), "--store", "sqlite://"+filepath.Join(t.TempDir(), "a.db"))
	// The embedded store's writer queue is exported.
	m := get(t, p.url+"/metrics")
	if !strings.Contains(m.body, "\nagentd_store_writes_queued 0\n") {
		t.Errorf("/metrics has no agentd_store_writes_queued 0")
	}
	if info := fmt.Sprintf("\nagentd_build_info{go_version=%q,version=\"dev\"} 1\n", runtime.Version()); !strings.Contains(m.body, info) {
		t.Errorf("/metrics has no %q", strings.TrimSpace(info))
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

// replyText joins the text deltas of an SSE body.
func replyText(sse string) string {
	var b strings.Builder
	for _, line := range strings.Split(sse, "\n") {
		var ev struct{ Type, Delta string }
		if data, ok := strings.CutPrefix(line, "data: "); ok && json.Unmarshal([]byte(data), &ev) == nil && ev.Type == "TEXT_MESSAGE_CONTENT" {
			b.WriteString(ev.Delta)
		}
	}
	return b.String()
}

// TestWithNoKeyTheDemoModelAnswers: with no key and no --model, the demo
// agent's turns go to the demo model, which queries the data and draws.
func TestWithNoKeyTheDemoModelAnswers(t *testing.T) {
	p := startProcess(t, freeAddr(t), "--store", "sqlite://"+filepath.Join(t.TempDir(), "a.db"))
	body, _ := json.Marshal(map[string]any{"threadId": "th", "runId": "r1", "state": map[string]any{},
		"messages": []msg{{ID: "u1", Role: "user", Content: "Show me revenue by region as a bar chart"}},
		"tools": []map[string]any{{"name": "barChart", "description": "a bar chart",
			"parameters": map[string]any{"type": "object", "properties": map[string]any{"title": map[string]any{"type": "string"}}}}}})
	out := turn(t, p, body)
	for _, want := range []string{`"toolCallName":"query_data"`, `"toolCallName":"plan_visualization"`, `"toolCallName":"barChart"`, "RUN_FINISHED"} {
		if !strings.Contains(out, want) {
			t.Errorf("the stream lacks %s:\n%s", want, out)
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	if !strings.Contains(p.stderr.String(), "using the offline demo model 'demo'") {
		t.Errorf("the start log does not name the demo model:\n%s", p.stderr.String())
	}
}
