package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/agent"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func status(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// TestAdminServerLivesAndDiesWithServe: the admin listener (here by its
// old name --pprof-addr) answers while serve runs and is closed when
// serve has returned.
func TestAdminServerLivesAndDiesWithServe(t *testing.T) {
	addr, admin := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, []string{"--addr", addr, "--pprof-addr", admin, "--store", "sqlite://" + filepath.Join(t.TempDir(), "a.db"),
			"--log-format", "json"}, &logs, []*agent.Agent{{Name: "a", Instructions: "test"}})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for status("http://"+addr+"/readyz") != 200 {
		if time.Now().After(deadline) {
			t.Fatal("serve never became ready")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s := status("http://" + admin + "/metrics"); s != 200 {
		t.Fatalf("admin /metrics: %d", s)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if c, err := net.Dial("tcp", admin); err == nil {
		c.Close()
		t.Error("the admin listener is still open after serve returned")
	}
	if !strings.Contains(logs.String(), "--pprof-addr is deprecated") {
		t.Errorf("no deprecation warning:\n%s", logs.String())
	}
}

func TestParseServe_Surfaces(t *testing.T) {
	c, err := parseServe([]string{"--pprof-addr", "127.0.0.1:6060", "--cors-origins", "https://a.example, http://localhost:3000"}, io.Discard)
	if err != nil || c.AdminAddr != "127.0.0.1:6060" {
		t.Fatalf("--pprof-addr alias: %+v %v", c, err)
	}
	for _, bad := range [][]string{
		{"--pprof-addr", "127.0.0.1:6060", "--admin-addr", "127.0.0.1:6061"},
		{"--cors-origins", "*"},
		{"--cors-origins", "https://a.example/app"},
	} {
		if _, err := parseServe(bad, io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
