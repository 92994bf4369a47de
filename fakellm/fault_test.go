package fakellm_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/fakellm"
)

// observe sends one streamed request (with a tool on offer, so every fault
// can apply) and names the fault the client saw.
func observe(t *testing.T, url string, headers map[string]string) fakellm.Fault {
	t.Helper()
	// A hang is told from a slow answer by this wait: long enough that a
	// loaded machine (tests run with -race on two shared cores) answers
	// a request well within it.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	res := streamChat(ctx, t, url, chatBody(true, "hello", weatherTool), headers)
	switch {
	case res.status == 429:
		if res.header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After")
		}
		return fakellm.FaultRateLimit
	case res.status == 500:
		return fakellm.FaultServerError
	case res.status != 200:
		t.Fatalf("unexpected status %d (%v)", res.status, res.readErr)
	case errors.Is(ctx.Err(), context.DeadlineExceeded) && len(res.chunks) == 0:
		return fakellm.FaultHang
	case res.readErr != nil && !res.done:
		if res.finishReason() != "" {
			t.Errorf("cut stream carried a finish_reason")
		}
		return fakellm.FaultCut
	case !res.done:
		t.Fatalf("stream ended without [DONE] and without an error")
	}
	if _, args := res.toolArgs(); len(args) > 0 && !json.Valid([]byte(args[0])) {
		return fakellm.FaultBadToolJSON
	}
	return fakellm.FaultNone
}

func faultCfg(f fakellm.Fault, rate float64) fakellm.Faults {
	var fs fakellm.Faults
	switch f {
	case fakellm.FaultRateLimit:
		fs.RateLimit = rate
	case fakellm.FaultServerError:
		fs.ServerError = rate
	case fakellm.FaultHang:
		fs.Hang = rate
	case fakellm.FaultCut:
		fs.Cut = rate
	case fakellm.FaultBadToolJSON:
		fs.BadToolJSON = rate
	}
	return fs
}

var allFaults = []fakellm.Fault{fakellm.FaultRateLimit, fakellm.FaultServerError, fakellm.FaultHang, fakellm.FaultCut, fakellm.FaultBadToolJSON}

// countFaults sends n requests, several at a time, and counts what the
// client saw.
func countFaults(t *testing.T, url string, n int) map[fakellm.Fault]int {
	t.Helper()
	var mu sync.Mutex
	counts := map[fakellm.Fault]int{}
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			f := observe(t, url, nil)
			mu.Lock()
			counts[f]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return counts
}

func TestFaults_ExactRates(t *testing.T) {
	t.Parallel()
	for _, f := range allFaults {
		for _, rate := range []float64{0, 1} {
			t.Run(string(f)+"@"+strconv.FormatFloat(rate, 'g', -1, 64), func(t *testing.T) {
				t.Parallel()
				_, url := start(t, fakellm.Config{Tools: fakellm.ToolsNever, ReplyTokens: 6, Faults: faultCfg(f, rate)})
				const n = 20
				counts := countFaults(t, url, n)
				want := map[fakellm.Fault]int{fakellm.FaultNone: n}
				if rate == 1 {
					want = map[fakellm.Fault]int{f: n}
				}
				if len(counts) != len(want) || counts[f] != want[f] {
					t.Errorf("counts = %v, want %v", counts, want)
				}
			})
		}
	}
}

func TestFaults_MixedRatesWithinBounds(t *testing.T) {
	t.Parallel()
	cfg := fakellm.Config{ReplyTokens: 4, Seed: 42, Faults: fakellm.Faults{
		RateLimit: 0.1, ServerError: 0.1, Hang: 0.1, Cut: 0.1, BadToolJSON: 0.1}}
	s, url := start(t, cfg)
	const n = 400
	counts := countFaults(t, url, n)
	// Each fault is a binomial(400, 0.1): mean 40, sd 6. ±20 is beyond 3 sd.
	for _, f := range allFaults {
		if c := counts[f]; c < 20 || c > 60 {
			t.Errorf("%s: %d of %d, want about 40", f, c, n)
		}
	}
	if c := counts[fakellm.FaultNone]; c < 160 || c > 240 {
		t.Errorf("none: %d of %d, want about 200", c, n)
	}
	st := s.Stats()
	for _, f := range append(allFaults, fakellm.FaultNone) {
		if int(st.Faults[f]) != counts[f] {
			t.Errorf("server counted %d %s, client saw %d", st.Faults[f], f, counts[f])
		}
	}
	// The same seed makes the same decisions, whatever the interleaving.
	_, url2 := start(t, cfg)
	again := countFaults(t, url2, n)
	for _, f := range append(allFaults, fakellm.FaultNone) {
		if again[f] != counts[f] {
			t.Errorf("seeded rerun: %s %d, first run %d", f, again[f], counts[f])
		}
	}
}

func TestFaults_HalfRate(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{ReplyTokens: 2, Seed: 7, Faults: fakellm.Faults{RateLimit: 0.5}})
	const n = 200
	counts := countFaults(t, url, n)
	// binomial(200, 0.5): sd ≈ 7; accept ±30.
	if c := counts[fakellm.FaultRateLimit]; c < 70 || c > 130 {
		t.Errorf("429 on %d of %d, want about half", c, n)
	}
}

func TestFaults_ForcedByHeader(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{ReplyTokens: 4})
	for _, f := range allFaults {
		if got := observe(t, url, map[string]string{fakellm.HeaderFault: string(f)}); got != f {
			t.Errorf("forced %s, saw %s", f, got)
		}
	}
}

func TestFaults_RetryAfterValue(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{RetryAfter: 2500 * time.Millisecond, Faults: fakellm.Faults{RateLimit: 1}})
	res := streamChat(context.Background(), t, url, chatBody(true, "x"), nil)
	if res.status != 429 || res.header.Get("Retry-After") != "3" || res.header.Get("Retry-After-Ms") != "2500" {
		t.Errorf("status %d, Retry-After %q, Retry-After-Ms %q", res.status, res.header.Get("Retry-After"), res.header.Get("Retry-After-Ms"))
	}
}

func TestFaults_HangEndsOnClientCancel(t *testing.T) {
	t.Parallel()
	s, url := start(t, fakellm.Config{Faults: fakellm.Faults{Hang: 1}})
	for _, stream := range []bool{true, false} {
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			resp, err := post(ctx, t, url, chatBody(stream, "x"), nil)
			if err == nil {
				_, _, err = readSSE(resp.Body)
				resp.Body.Close()
			}
			errc <- err
		}()
		waitFor(t, func() bool { return s.Stats().InFlight == 1 })
		cancel()
		if err := <-errc; err == nil {
			t.Errorf("stream %v: hung request ended without error", stream)
		}
		waitFor(t, func() bool { return s.Stats().InFlight == 0 })
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 5s")
}
