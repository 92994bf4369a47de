package agentfile_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// everything is the MCP project's reference server from npm, installed by
// "npm ci" in testdata/everything (.ci/run does).
const everything = "testdata/everything/node_modules/@modelcontextprotocol/server-everything/dist/index.js"

// startEverything runs the reference server over streamable HTTP and
// returns its /mcp URL.
func startEverything(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed: this test runs the npm MCP reference server")
	}
	if _, err := os.Stat(everything); err != nil {
		t.Skip("the npm MCP reference server is not installed: run npm ci in agentfile/testdata/everything")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("node", everything, "streamableHttp")
	cmd.Env = append(os.Environ(), fmt.Sprint("PORT=", port))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening on port") {
				close(listening)
				break
			}
		}
		for sc.Scan() { // keep the pipe drained
		}
	}()
	select {
	case <-listening:
	case <-time.After(30 * time.Second):
		t.Fatal("the reference server did not start listening")
	}
	return fmt.Sprintf("http://127.0.0.1:%d/mcp", port)
}

// A file agent with a stdio server built with the Go SDK and the MCP
// project's own server (TypeScript SDK) over HTTP.
func TestAFileAgentWithTheNPMReferenceServer(t *testing.T) {
	url := startEverything(t)
	f := &fixture{model: &script{}}
	f.serve(t, writeFile(t, fmt.Sprintf(`agents:
  - name: calc
    model: script
    mcp:
      - name: local
        command: [%q]
      - name: everything
        url: %s
default_agent: calc
`, mcpmath, url)))
	f.model.play(calls("echo", `{"message":"hi from the model"}`, "add", `{"a":1.5,"b":2}`), say("done"))
	th := f.run(t, "t1", "r1", "echo and add")
	offered := map[string]string{}
	for _, tool := range f.model.requests()[0].Tools {
		offered[tool.Name] = string(tool.Parameters)
	}
	if p, ok := offered["echo"]; !ok || !strings.Contains(p, `"message"`) {
		t.Errorf("echo offered with schema %q (ok %v)", p, ok)
	}
	want := map[string]string{"call0": "Echo: hi from the model", "call1": "1.5 + 2 = 3.5"}
	for name, got := range map[string]map[string]string{"the model": toolResults(f.model.requests()[1].Messages), "the thread": toolResults(th.Messages)} {
		for id, w := range want {
			if got[id] != w {
				t.Errorf("%s got %q for %s, want %q", name, got[id], id, w)
			}
		}
	}
}
