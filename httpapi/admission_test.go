package httpapi_test

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/admission"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm/sim"
	"github.com/agentd/agentd/runs"
)

func TestAdmission_SaturatedBudgetRefusesFastAndReadinessTellsTheTruth(t *testing.T) {
	t.Parallel()
	const wait = 300 * time.Millisecond
	b := setup(t, options{model: sim.New(sim.Config{TokensPerSecond: 50, ReplyTokens: 40}), budget: admission.NewBudget(5, wait)})
	var wg sync.WaitGroup
	results := make([]*result, 50)
	elapsed := make([]time.Duration, 50)
	saturated := make(chan int, 1)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := input(newID("t"), userMsg("hi"))
			start := time.Now()
			results[i] = b.post("/", in)
			elapsed[i] = time.Since(start)
			if results[i].status == http.StatusServiceUnavailable {
				select {
				case saturated <- b.do("GET", "/readyz", "", nil, nil).status:
				default:
				}
			}
		}()
	}
	wg.Wait()
	finished, refused := 0, 0
	for i, r := range results {
		switch r.status {
		case 200:
			if r.last().Type != agui.RunFinished {
				t.Errorf("request %d: stream ended with %s", i, r.last().Type)
			}
			finished++
		case http.StatusServiceUnavailable:
			if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 {
				t.Errorf("request %d: 503 without a usable Retry-After (%q)", i, r.header.Get("Retry-After"))
			}
			if elapsed[i] > wait+time.Second {
				t.Errorf("request %d: refused after %v, past the %v wait bound", i, elapsed[i], wait)
			}
			refused++
		default:
			t.Errorf("request %d: status %d %s", i, r.status, r.body)
		}
	}
	if finished < 5 || refused == 0 || finished+refused != 50 {
		t.Fatalf("%d finished, %d refused", finished, refused)
	}
	select {
	case st := <-saturated:
		if st != http.StatusServiceUnavailable {
			t.Errorf("/readyz said %d while the budget was exhausted", st)
		}
	default:
		t.Error("no readiness sample while saturated")
	}
	if st := b.do("GET", "/readyz", "", nil, nil).status; st != 200 {
		t.Errorf("/readyz said %d after the load", st)
	}
	if m := b.metric("agentd_runs_rejected_total", `reason="overloaded"`); m != float64(refused) {
		t.Errorf("rejections metric %v, want %d", m, refused)
	}
}

func TestAdmission_InterruptPolicyReplacesTheRunningRun(t *testing.T) {
	t.Parallel()
	b := setup(t, options{model: sim.New(sim.Config{TokensPerSecond: 20, ReplyTokens: 100}), doubleSend: runs.DoubleSendInterrupt})
	thread := newID("t")
	first := input(thread, userMsg("one"))
	done := make(chan *result)
	go func() { done <- b.post("/", first) }()
	waitRunning(t, b, first.RunID)
	second := input(thread, first.Messages[0], userMsg("two"))
	res := b.post("/", second)
	res.mustFinish(t, second)
	old := <-done
	if last := old.last(); last.Type != agui.RunError || last.Code != "interrupted" {
		t.Fatalf("first run ended with %+v", last)
	}
	msgs, _ := b.thread(thread)
	if len(msgs) != 3 || msgs[2].Role != "assistant" || !strings.Contains(msgs[2].Text(), "turn 2") {
		t.Fatalf("history interleaved or lost: %+v", msgs)
	}
}

// metric reads one sample from /metrics.
func (b *bundle) metric(name, labels string) float64 {
	b.t.Helper()
	res := b.do("GET", "/metrics", "", nil, nil)
	for _, line := range strings.Split(string(res.body), "\n") {
		if strings.HasPrefix(line, name) && strings.Contains(line, labels) {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			return v
		}
	}
	return 0
}
