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

// TestRedisOutage cuts the path to Redis. The documented behaviour: runs
// go on (Redis holds no conversation), rate limits fall back to each
// instance's own buckets, readiness stays 200, rejoining on the instance
// that runs the run still works; only rejoining elsewhere is unavailable.
func TestRedisOutage(t *testing.T) {
	pg := testenv.Postgres(t)
	redisURL, _ := testenv.Redis(t)
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewProxy(t, u.Host)
	u.Host = proxy.Addr
	p := startAgentd(t, freeAddr(t), "--store", pg, "--redis", u.String(), "--redis-prefix", "agentd-outage-"+fmt.Sprint(time.Now().UnixNano())+":",
		"--rate", "0.1", "--rate-burst", "2", "--sim-tps", "100", "--sim-tokens", "20")
	proxy.Cut()
	if r := get(t, p.url+"/readyz"); r.status != 200 {
		t.Errorf("/readyz with Redis down: %d %s", r.status, r.body)
	}
	statuses := []int{}
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequest("POST", p.url+"/", bytes.NewReader(runBody(fmt.Sprintf("ro%d", i), fmt.Sprintf("ro%d", i), msg{ID: "m", Role: "user", Content: "hi"})))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 && !strings.Contains(string(b), "RUN_FINISHED") {
			t.Errorf("run %d with Redis down: %s", i, b)
		}
		statuses = append(statuses, resp.StatusCode)
	}
	if fmt.Sprint(statuses) != "[200 200 429]" {
		t.Errorf("statuses %v: want the per-instance fallback limit (burst 2) to apply", statuses)
	}
	// Rejoining on this instance is served from its memory.
	r := rejoin(t, p, "ro0", 2)
	for r.next() {
	}
	if !strings.Contains(r.last(), "RUN_FINISHED") || r.ids[0] != 3 {
		t.Errorf("rejoin on the same instance with Redis down: ids %v last %s", r.ids, r.last())
	}
	proxy.Restore()
	out := turn(t, p, runBody("after", "after1", msg{ID: "m", Role: "user", Content: "hi"}))
	if !strings.Contains(out, "RUN_FINISHED") {
		t.Errorf("after Redis returned: %s", out)
	}
}
