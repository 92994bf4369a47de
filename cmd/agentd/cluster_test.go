package main_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/testenv"
)

// cluster is n agentd processes sharing one PostgreSQL schema and, when
// withRedis, one Redis key prefix.
type cluster struct {
	procs []*proc
	args  []string
	addrs []string
}

func newCluster(t *testing.T, n int, withRedis bool, extra ...string) *cluster {
	t.Helper()
	pg := testenv.Postgres(t)
	args := []string{"--store", pg, "--lease-ttl", "3s", "--sim-tps", "40", "--sim-tokens", "60"}
	if withRedis {
		url := os.Getenv("AGENTD_TEST_REDIS_URL")
		if url == "" {
			t.Skip("AGENTD_TEST_REDIS_URL is not set: skipping a test that needs Redis (e.g. redis://127.0.0.1:6379/0)")
		}
		var b [6]byte
		_, _ = rand.Read(b[:])
		args = append(args, "--redis", url, "--redis-prefix", "agentd-test-"+hex.EncodeToString(b[:])+":")
	}
	args = append(args, extra...)
	c := &cluster{args: args}
	for i := 0; i < n; i++ {
		addr := freeAddr(t)
		c.addrs = append(c.addrs, addr)
		c.procs = append(c.procs, startAgentd(t, addr, args...))
	}
	return c
}

// sse is a streaming response being read event by event.
type sse struct {
	resp *http.Response
	sc   *bufio.Scanner
	ids  []int
	data []string
}

func openSSE(t *testing.T, req *http.Request) *sse {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		t.Fatalf("%s %s: %d %s", req.Method, req.URL, resp.StatusCode, b.String())
	}
	s := &sse{resp: resp, sc: bufio.NewScanner(resp.Body)}
	s.sc.Buffer(make([]byte, 1<<20), 1<<20)
	return s
}

// next reads one event; false at the end of the stream.
func (s *sse) next() bool {
	for s.sc.Scan() {
		line := s.sc.Text()
		if v, ok := strings.CutPrefix(line, "id: "); ok {
			n, _ := strconv.Atoi(v)
			s.ids = append(s.ids, n)
		}
		if v, ok := strings.CutPrefix(line, "data: "); ok {
			s.data = append(s.data, v)
			return true
		}
	}
	return false
}

func (s *sse) last() string {
	if len(s.data) == 0 {
		return ""
	}
	return s.data[len(s.data)-1]
}

func postRun(t *testing.T, p *proc, body []byte) *sse {
	t.Helper()
	req, _ := http.NewRequest("POST", p.url+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return openSSE(t, req)
}

func rejoin(t *testing.T, p *proc, runID string, after int) *sse {
	t.Helper()
	req, _ := http.NewRequest("GET", p.url+"/runs/"+runID+"/events", nil)
	req.Header.Set("Last-Event-ID", strconv.Itoa(after))
	return openSSE(t, req)
}

func testConversationAcrossInstances(t *testing.T, withRedis bool) {
	c := newCluster(t, 3, withRedis)
	var history []msg
	for turnNo := 1; turnNo <= 3; turnNo++ {
		p := c.procs[turnNo-1]
		u := msg{ID: fmt.Sprintf("u%d", turnNo), Role: "user", Content: "question"}
		history = append(history, u)
		out := turn(t, p, runBody("conv", fmt.Sprintf("r%d", turnNo), history...))
		if want := fmt.Sprintf("This is turn %d", turnNo); !strings.Contains(replyText(out), want) {
			t.Fatalf("turn %d on instance %d: %q lacks %q", turnNo, turnNo, replyText(out), want)
		}
		stored := storedThread(t, c.procs[(turnNo)%3], "conv")
		history = append(history, stored[len(stored)-1])
	}
	if n := len(storedThread(t, c.procs[0], "conv")); n != 6 {
		t.Fatalf("thread has %d messages, want 6", n)
	}

	// A run started on instance 1, rejoined on instance 2 after 5 events.
	s := postRun(t, c.procs[0], runBody("rejoin", "rj", msg{ID: "ru", Role: "user", Content: "long answer"}))
	for len(s.data) < 5 && s.next() {
	}
	s.resp.Body.Close()
	seen := s.ids[len(s.ids)-1]
	r := rejoin(t, c.procs[1], "rj", seen)
	for r.next() {
	}
	for i, id := range r.ids {
		if id != seen+1+i {
			t.Fatalf("rejoined ids %v after %d: gap or duplicate", r.ids, seen)
		}
	}
	if !strings.Contains(r.last(), `"RUN_FINISHED"`) {
		t.Fatalf("rejoined stream ends with %s", r.last())
	}
}

func TestCluster_ConversationAndRejoinAcrossInstances(t *testing.T) {
	testConversationAcrossInstances(t, true)
}

func TestCluster_PostgresAloneIsEnough(t *testing.T) {
	testConversationAcrossInstances(t, false)
}

func TestCluster_RateLimitIsGlobal(t *testing.T) {
	const key = "cluster-key-0123456789"
	c := newCluster(t, 2, true, "--rate", "0.2", "--rate-burst", "3", "--api-keys", key)
	codes := []int{}
	for i := 0; i < 5; i++ {
		p := c.procs[i%2]
		req, _ := http.NewRequest("POST", p.url+"/", bytes.NewReader(runBody(fmt.Sprintf("rl%d", i), fmt.Sprintf("rl%d", i),
			msg{ID: "m", Role: "user", Content: "hi"})))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-API-Key", key)
		req.Header.Set("X-Agentd-User", "alice")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	if fmt.Sprint(codes) != "[200 200 200 429 429]" {
		t.Fatalf("statuses %v: a user's budget of 3 must hold across instances", codes)
	}
}

// TestCluster_PausedInstanceIsFenced stops instance 1 (SIGSTOP) in the middle
// of a run until its lease expires and instance 2 takes the thread; once
// resumed, instance 1 must not write to the thread.
func TestCluster_PausedInstanceIsFenced(t *testing.T) {
	c := newCluster(t, 2, true)
	s := postRun(t, c.procs[0], runBody("fence", "f1", msg{ID: "fu", Role: "user", Content: "first"}))
	for len(s.data) < 3 && s.next() {
	}
	p1 := c.procs[0].cmd.Process
	if err := p1.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	defer func() {
		if !resumed {
			_ = p1.Signal(syscall.SIGCONT)
		}
	}()
	// Instance 2 takes over once the lease has expired.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var out string
	for ctx.Err() == nil {
		resp, err := http.Post(c.procs[1].url+"/", "application/json", bytes.NewReader(
			runBody("fence", fmt.Sprintf("f2-%d", time.Now().UnixNano()), msg{ID: "fu", Role: "user", Content: "first"}, msg{ID: "fu2", Role: "user", Content: "second"})))
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			out = b.String()
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if !strings.Contains(out, "RUN_FINISHED") {
		t.Fatalf("instance 2 never took over the thread: %q", out)
	}
	before := storedThread(t, c.procs[1], "fence")
	_ = p1.Signal(syscall.SIGCONT)
	resumed = true
	for s.next() { // instance 1's stream ends: its run lost the thread
	}
	time.Sleep(500 * time.Millisecond)
	after := storedThread(t, c.procs[1], "fence")
	if len(after) != len(before) {
		t.Fatalf("the resumed instance wrote to a thread it no longer owns: %d → %d messages", len(before), len(after))
	}
	if strings.Contains(s.last(), `"RUN_FINISHED"`) {
		t.Errorf("the fenced run claims to have finished: %s", s.last())
	}
}

// cancelRun posts POST /runs/{id}/cancel to p and returns the status and
// body.
func cancelRun(t *testing.T, p *proc, runID string) (int, string) {
	t.Helper()
	resp, err := http.Post(p.url+"/runs/"+runID+"/cancel", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// testCancelAcrossInstances cancels, through instance 2, a run streaming
// from instance 1.
func testCancelAcrossInstances(t *testing.T, withRedis bool) {
	c := newCluster(t, 2, withRedis, "--sim-tokens", "200") // 5s runs
	s := postRun(t, c.procs[0], runBody("cx", "cxr", msg{ID: "cu", Role: "user", Content: "talk"}))
	for len(s.data) < 3 && s.next() {
	}
	start := time.Now()
	if code, body := cancelRun(t, c.procs[1], "cxr"); code != http.StatusAccepted {
		t.Fatalf("cancel on instance 2: %d %s", code, body)
	}
	for s.next() {
	}
	if !strings.Contains(s.last(), `"RUN_ERROR"`) || !strings.Contains(s.last(), `"cancelled"`) {
		t.Fatalf("instance 1's stream ended with %s, want RUN_ERROR cancelled", s.last())
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the run stopped %v after the cancel", took)
	}
	for i, p := range c.procs {
		if code, body := cancelRun(t, p, "cxr"); code != http.StatusConflict || !strings.Contains(body, "already ended: cancelled") {
			t.Errorf("second cancel on instance %d: %d %s, want 409 naming the status", i+1, code, body)
		}
		if code, body := cancelRun(t, p, "no-such-run"); code != http.StatusNotFound {
			t.Errorf("cancel of an unknown run on instance %d: %d %s, want 404", i+1, code, body)
		}
	}
	out := turn(t, c.procs[1], runBody("cx", "cxr2", msg{ID: "cu", Role: "user", Content: "talk"}))
	if !strings.Contains(out, "RUN_FINISHED") {
		t.Fatalf("the thread is not free after the cancel: %s", out)
	}
}

func TestCluster_CancelOnAnotherInstance(t *testing.T) {
	testCancelAcrossInstances(t, true)
}

func TestCluster_CancelOnAnotherInstancePostgresOnly(t *testing.T) {
	testCancelAcrossInstances(t, false)
}

func testInterruptAcrossInstances(t *testing.T, withRedis bool) {
	c := newCluster(t, 2, withRedis, "--double-send", "interrupt", "--sim-tps", "50", "--sim-tokens", "250") // 5s runs
	first := postRun(t, c.procs[0], runBody("ix", "ix1", msg{ID: "iu1", Role: "user", Content: "first"}))
	for len(first.data) < 3 && first.next() {
	}
	start := time.Now()
	second := postRun(t, c.procs[1], runBody("ix", "ix2", msg{ID: "iu1", Role: "user", Content: "first"}, msg{ID: "iu2", Role: "user", Content: "second"}))
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the second run started %v after it was sent", took)
	}
	for first.next() {
	}
	if !strings.Contains(first.last(), `"RUN_ERROR"`) || !strings.Contains(first.last(), `"interrupted"`) {
		t.Fatalf("the first run's stream ended with %s, want RUN_ERROR interrupted", first.last())
	}
	for second.next() {
	}
	if !strings.Contains(second.last(), `"RUN_FINISHED"`) {
		t.Fatalf("the second run's stream ended with %s, want RUN_FINISHED", second.last())
	}
	got := storedThread(t, c.procs[0], "ix")
	if len(got) != 3 || got[0].ID != "iu1" || got[1].ID != "iu2" || got[2].Role != "assistant" {
		t.Fatalf("stored thread %+v: want both user messages and the second run's reply only", got)
	}
}

func TestCluster_InterruptAcrossInstances(t *testing.T) {
	testInterruptAcrossInstances(t, true)
}

func TestCluster_InterruptAcrossInstancesPostgresOnly(t *testing.T) {
	testInterruptAcrossInstances(t, false)
}
