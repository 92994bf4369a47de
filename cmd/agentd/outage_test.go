package main_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/testenv"
)

// TestPostgresOutage cuts the path to PostgreSQL (through a proxy the test
// controls) while runs are in flight, checks readiness and refusals, then
// restores it and checks that service comes back by itself with every
// thread whole.
func TestPostgresOutage(t *testing.T) {
	pg := testenv.Postgres(t)
	u, err := url.Parse(pg)
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewProxy(t, u.Host)
	u.Host = proxy.Addr
	p := startAgentd(t, freeAddr(t), "--store", u.String(), "--lease-ttl", "2s", "--sim-tps", "40", "--sim-tokens", "60")

	if out := turn(t, p, runBody("ok", "ok1", msg{ID: "o1", Role: "user", Content: "hi"})); !strings.Contains(out, "RUN_FINISHED") {
		t.Fatalf("before the outage: %s", out)
	}
	// Five runs in flight when the database goes away.
	var wg sync.WaitGroup
	ends := make([]string, 5)
	for i := range ends {
		s := postRun(t, p, runBody(fmt.Sprintf("inflight%d", i), fmt.Sprintf("if%d", i), msg{ID: "m", Role: "user", Content: "go"}))
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.resp.Body.Close()
			for s.next() {
			}
			ends[i] = s.last()
		}()
	}
	time.Sleep(200 * time.Millisecond)
	proxy.Cut()

	ready := get(t, p.url+"/readyz")
	if ready.status != 503 || !strings.Contains(ready.body, "store") {
		t.Errorf("/readyz during the outage: %d %s", ready.status, ready.body)
	}
	resp, err := http.Post(p.url+"/", "application/json", bytes.NewReader(runBody("new", "n1", msg{ID: "n", Role: "user", Content: "hi"})))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a new run during the outage: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	wg.Wait()
	for i, ev := range ends {
		if !strings.Contains(ev, `"RUN_ERROR"`) || !strings.Contains(ev, `"store_error"`) {
			t.Errorf("in-flight run %d ended with %s", i, ev)
		}
	}

	proxy.Restore()
	deadline := time.Now().Add(20 * time.Second)
	for get(t, p.url+"/readyz").status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("not ready 20s after the database came back")
		}
		time.Sleep(200 * time.Millisecond)
	}
	for i := range ends {
		th := fmt.Sprintf("inflight%d", i)
		if got := storedThread(t, p, th); len(got) != 1 || got[0].ID != "m" {
			t.Errorf("%s after the outage: %+v", th, got)
		}
		// The thread takes a new run once its lease has lapsed.
		var out string
		for time.Now().Before(deadline) {
			resp, err := http.Post(p.url+"/", "application/json", bytes.NewReader(runBody(th, fmt.Sprintf("again%d-%d", i, time.Now().UnixNano()), msg{ID: "m", Role: "user", Content: "go"})))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				out = string(b)
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if !strings.Contains(out, "RUN_FINISHED") {
			t.Errorf("%s does not take a run after the outage: %q", th, out)
		}
	}
}

type got struct {
	status int
	body   string
}

func get(t *testing.T, url string) got {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return got{resp.StatusCode, string(b)}
}
