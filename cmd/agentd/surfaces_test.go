package main_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/testenv"
)

// withPassword puts a userinfo password and password query parameters
// into a postgres:// URL; the test server trusts, so they are not checked.
func withPassword(pg, secret string) string {
	pg = strings.Replace(pg, "://postgres@", "://postgres:"+secret+"u@", 1)
	return pg + "&password=" + secret + "q&sslpassword=" + secret + "s"
}

// TestSecretsNeverShown starts agentd with passwords in its store and
// Redis URLs on the command line, uses it, and stops it: no log line and
// no admin page shows them.
func TestSecretsNeverShown(t *testing.T) {
	const secret = "SECRET4d6f"
	redis := os.Getenv("AGENTD_TEST_REDIS_URL")
	if redis == "" {
		t.Skip("AGENTD_TEST_REDIS_URL is not set: skipping a test that needs Redis (e.g. redis://127.0.0.1:6379/0)")
	}
	store := withPassword(testenv.Postgres(t), secret)
	// The test Redis has no password; it lets in a client that sends one.
	redis = strings.Replace(redis, "redis://", "redis://:"+secret+"r@", 1)
	admin := freeAddr(t)
	p := startAgentd(t, freeAddr(t), "--store", store, "--redis", redis, "--redis-prefix", "agentd-test-"+secret+":",
		"--admin-addr", admin, "--log-level", "debug")
	if out := turn(t, p, runBody("th", "r1", msg{ID: "u1", Role: "user", Content: "hi"})); !strings.Contains(out, "RUN_FINISHED") {
		t.Fatalf("turn: %s", out)
	}
	if m := get(t, "http://"+admin+"/metrics"); m.status != 200 || !strings.Contains(m.body, "\nagentd_run_slots ") {
		t.Errorf("admin /metrics: %d %s", m.status, m.body)
	}
	if m := get(t, "http://"+admin+"/debug/pprof/goroutine?debug=1"); m.status != 200 {
		t.Errorf("admin pprof: %d", m.status)
	}
	if m := get(t, "http://"+admin+"/debug/pprof/cmdline"); m.status != 404 || strings.Contains(m.body, secret) {
		t.Errorf("admin cmdline: %d %s", m.status, m.body)
	}
	if m := get(t, p.url+"/debug/pprof/cmdline"); m.status != 404 {
		t.Errorf("public port serves pprof: %d", m.status)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	logs := p.stderr.String()
	if !strings.Contains(logs, `"msg":"ready"`) || !strings.Contains(logs, `"msg":"stopped"`) {
		t.Fatalf("logs lack ready/stopped:\n%s", logs)
	}
	if strings.Contains(logs, secret) {
		t.Errorf("the logs show the password:\n%s", logs)
	}
}

// TestSecretsNeverShownWhenStartFails: failed connects and unparseable
// URLs report the backend without its password.
func TestSecretsNeverShownWhenStartFails(t *testing.T) {
	const secret = "SECRET9c2a"
	sqlite := "sqlite://" + filepath.Join(t.TempDir(), "a.db")
	cases := map[string][]string{
		"redis does not answer":       {"--store", sqlite, "--redis", "redis://:" + secret + "@127.0.0.1:1/0"},
		"redis URL does not parse":    {"--store", sqlite, "--redis", "redis://:" + secret + "%zz@127.0.0.1:6379/0"},
		"postgres does not answer":    {"--store", "postgres://postgres:" + secret + "@127.0.0.1:1/test?sslmode=disable&password=" + secret + "&connect_timeout=2"},
		"postgres URL does not parse": {"--store", "postgres://postgres:" + secret + "@127.0.0.1:5432/test?connect_timeout=zz"},
		"no such store scheme":        {"--store", "mysql://root:" + secret + "@127.0.0.1/x"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary, append([]string{"serve", "--addr", freeAddr(t), "--log-format", "json", "--log-level", "debug"}, args...)...)
			cmd.Env = append(os.Environ(), "OPENAI_API_KEY=", "ANTHROPIC_API_KEY=")
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("agentd started:\n%s", out)
			}
			if !strings.Contains(string(out), "agentd: ") {
				t.Errorf("no error reported:\n%s", out)
			}
			if strings.Contains(string(out), secret) {
				t.Errorf("the output shows the password:\n%s", out)
			}
		})
	}
}
