package main_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The example agents file runs offline: its MCP server is started with go
// run, its agent calls the server's tool, and the server stops with agentd.
func TestServe_TheExampleAgentsFile(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "mcpmath.pid")
	t.Setenv("MCPMATH_PIDFILE", pidfile) // the stdio server inherits agentd's environment
	p := startAgentd(t, freeAddr(t), "--store", "sqlite://"+filepath.Join(t.TempDir(), "agentd.db"),
		"--agents", "../../examples/agents.yaml")
	if got := get(t, p.url+"/agents/calc/health"); got.status != 200 {
		t.Fatalf("calc's health: %d %s", got.status, got.body)
	}
	out := turn(t, p, runBody("th", "r1", msg{ID: "u1", Role: "user", Content: "please add 2 and 3"}))
	// sim calls the tool the message names, with its required arguments.
	for _, want := range []string{`"toolCallName":"add"`, `"type":"RUN_FINISHED"`} {
		if !strings.Contains(out, want) {
			t.Errorf("default agent calc's run lacks %s:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`"type":"TOOL_CALL_RESULT".*"content":"[0-9.-]+ \+ [0-9.-]+ = [0-9.-]+"`).MatchString(out) {
		t.Errorf("no result from the MCP server's add:\n%s", out)
	}
	b, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(string(b))
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("agentd exited with %v", err)
	}
	if !strings.Contains(p.stderr.String(), "mcpmath: serving on stdio") {
		t.Error("the MCP server's stderr is not in agentd's log")
	}
	if alive(pid) {
		t.Error("the MCP server outlived agentd")
	}
}

func TestServe_AnInvalidAgentsFileFailsAtStartNamingTheLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agents.yaml")
	if err := os.WriteFile(path, []byte("agents:\n  - name: calc\n    tools: [no_such_tool]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := serveCmd(t, nil, "--addr", "127.0.0.1:0", "--agents", path).CombinedOutput()
	if err == nil {
		t.Fatalf("serve started:\n%s", out)
	}
	if want := path + `:3: agent calc: no built-in tool "no_such_tool"`; !strings.Contains(string(out), want) {
		t.Errorf("the refusal does not say %s:\n%s", want, out)
	}
}

// alive reports whether pid runs (a zombie waiting for its reaper does not).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}
