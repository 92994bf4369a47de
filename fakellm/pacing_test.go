package fakellm_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/agentd/agentd/fakellm"
)

// timeStream returns the time to the first content token and to [DONE].
func timeStream(t *testing.T, url string, headers map[string]string) (first, total time.Duration) {
	t.Helper()
	start := time.Now()
	resp, err := post(context.Background(), t, url, chatBody(true, "x"), headers)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 && first == 0 {
			// the opening chunk and the first token arrive together
			first = time.Since(start)
		}
		if err != nil {
			return first, time.Since(start)
		}
	}
}

func TestPacing_TokensPerSecond(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{ReplyTokens: 30})
	h := func(tps string) map[string]string {
		return map[string]string{fakellm.HeaderTPS: tps, fakellm.HeaderTTFT: "0s"}
	}
	// Only lower bounds: pacing can make a stream no faster than its rate,
	// while a loaded machine can make it any slower.
	_, slow := timeStream(t, url, h("150")) // 30 tokens at 150/s: 200 ms
	_, fast := timeStream(t, url, h("300")) // 100 ms
	if slow < 190*time.Millisecond {
		t.Errorf("30 tokens at 150/s took %s, want at least 190ms", slow)
	}
	if fast < 95*time.Millisecond {
		t.Errorf("30 tokens at 300/s took %s, want at least 95ms", fast)
	}
}

func TestPacing_TimeToFirstToken(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{ReplyTokens: 3})
	first, _ := timeStream(t, url, map[string]string{fakellm.HeaderTTFT: "150ms"})
	if first < 150*time.Millisecond || first > 2*time.Second {
		t.Errorf("first token after %s, want 150ms or a little more", first)
	}
	quick, _ := timeStream(t, url, map[string]string{fakellm.HeaderTTFT: "0s"})
	if quick >= first {
		t.Errorf("ttft 0 took %s, not less than ttft 150ms (%s)", quick, first)
	}
}

func TestPacing_JitterStaysInBounds(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{ReplyTokens: 20, Jitter: 0.5, Seed: 3})
	_, total := timeStream(t, url, map[string]string{fakellm.HeaderTPS: "200", fakellm.HeaderTTFT: "0s"})
	// 20 tokens at 200/s is 100 ms; jitter 0.5 keeps each gap in [2.5, 7.5] ms.
	if total < 50*time.Millisecond || total > 1500*time.Millisecond {
		t.Errorf("jittered stream took %s, want within [50ms, 1.5s]", total)
	}
}
