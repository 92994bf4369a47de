package main_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// serveCmd is agentd serve with args, its store in a temporary directory
// and no authentication from the environment unless env says so.
func serveCmd(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	store := "sqlite://" + filepath.Join(t.TempDir(), "agentd.db")
	cmd := exec.Command(binary, append([]string{"serve", "--store", store, "--log-format", "json"}, args...)...)
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); name != "PORT" && !strings.HasPrefix(name, "AGENTD_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "OPENAI_API_KEY=", "ANTHROPIC_API_KEY=")
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

func TestServe_RefusesAnOpenAddressWithoutAuth(t *testing.T) {
	for name, tt := range map[string]struct {
		env  []string
		args []string
	}{
		"--addr 0.0.0.0": {args: []string{"--addr", "0.0.0.0:0"}},
		"--addr [::]":    {args: []string{"--addr", "[::]:0"}},
		"--addr :port":   {args: []string{"--addr", ":0"}},
		"a LAN address":  {args: []string{"--addr", "192.0.2.10:8123"}}, // refused before any bind
		"a host name":    {args: []string{"--addr", "agentd.internal:8123"}},
		"PORT":           {env: []string{"PORT=0"}},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := serveCmd(t, tt.env, tt.args...).CombinedOutput()
			if err == nil {
				t.Fatalf("serve started:\n%s", out)
			}
			for _, want := range []string{"--api-keys", "--jwt-secret", "--jwks-url", "--insecure-no-auth"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("the refusal does not name %s:\n%s", want, out)
				}
			}
		})
	}
}

// startOpen starts agentd on all interfaces and returns its loopback URL
// (tests talk only to loopback) and the log lines before it was ready.
func startOpen(t *testing.T, env []string, args ...string) (string, []map[string]any) {
	t.Helper()
	cmd := serveCmd(t, env, append([]string{"--addr", "0.0.0.0:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stderr)
	var logs []map[string]any
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		logs = append(logs, line)
		if line["msg"] == "ready" {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	var port string
	for _, l := range logs {
		if l["msg"] == "listening" {
			_, port, _ = net.SplitHostPort(l["addr"].(string))
		}
	}
	if port == "" {
		t.Fatalf("agentd did not get ready: %v", logs)
	}
	return "http://127.0.0.1:" + port, logs
}

func status(t *testing.T, url string, header ...string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestServe_InsecureNoAuthStartsOpenAndWarns(t *testing.T) {
	url, logs := startOpen(t, nil, "--insecure-no-auth")
	warned := false
	for _, l := range logs {
		warned = warned || (l["level"] == "WARN" && strings.Contains(l["msg"].(string), "--insecure-no-auth"))
	}
	if !warned {
		t.Errorf("no WARN about --insecure-no-auth at start: %v", logs)
	}
	if s := status(t, url+"/threads"); s != 200 {
		t.Errorf("GET /threads without auth: %d", s)
	}
}

func TestServe_APIKeysFromAFile(t *testing.T) {
	const key = "file-key-0123456789abcdef"
	f := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(f, []byte("# agentd service keys\n\n"+key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url, logs := startOpen(t, []string{"AGENTD_API_KEYS=@" + f})
	for _, l := range logs {
		if b, _ := json.Marshal(l); strings.Contains(string(b), key) {
			t.Errorf("a log line holds the key: %s", b)
		}
	}
	if s := status(t, url+"/threads"); s != http.StatusUnauthorized {
		t.Errorf("GET /threads without a key: %d", s)
	}
	if s := status(t, url+"/threads", "Authorization", "Bearer "+key, "X-Agentd-User", "alice"); s != 200 {
		t.Errorf("GET /threads with the key: %d", s)
	}
	if s := status(t, url+"/readyz"); s != 200 {
		t.Errorf("GET /readyz without a key: %d", s)
	}
}
