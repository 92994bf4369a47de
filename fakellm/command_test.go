package fakellm_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/fakellm"
)

// lockedBuffer lets the test read what Command writes from its goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestCommand_ServesUntilCancelled(t *testing.T) {
	t.Setenv("FAKELLM_TOKENS", "4") // env fallback; the flag below must win over it
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out lockedBuffer
	errc := make(chan error, 1)
	go func() {
		errc <- fakellm.Command(ctx, []string{"--addr", "127.0.0.1:0", "--ttft", "0s", "--tps", "0", "--tokens", "6", "--tokens-jitter", "0", "--rate-hang", "0"}, &out, io.Discard)
	}()
	var url string
	waitFor(t, func() bool {
		s := out.String()
		if i := strings.Index(s, "http://"); i >= 0 && strings.HasSuffix(s, "\n") {
			url = strings.TrimSpace(s[i:])
			return true
		}
		return false
	})
	res := streamChat(context.Background(), t, url, chatBody(true, "hi"), nil)
	if got := len(strings.Fields(res.text())); got != 6 || !res.done {
		t.Errorf("reply has %d words (done %v), want 6", got, res.done)
	}
	// A hanging request must not hold up shutdown.
	hung := make(chan error, 1)
	go func() {
		resp, err := post(context.Background(), t, url, chatBody(true, "hi"), map[string]string{fakellm.HeaderFault: "hang"})
		if err == nil {
			_, _, err = readSSE(resp.Body)
			resp.Body.Close()
		}
		hung <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the hang begin; shutdown is tested either way
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Command returned %v", err)
		}
	case <-time.After(4 * time.Second):
		t.Fatal("Command did not return after cancel")
	}
	<-hung
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("server still answers after Command returned")
	}
}

func TestCommand_RejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--rate-429", "0.7", "--rate-500", "0.7"},
		{"--tools", "sometimes"},
		{"--jitter", "-1"},
		{"--tokens-jitter", "1.5"},
	} {
		err := fakellm.Command(context.Background(), append([]string{"--addr", "127.0.0.1:0"}, args...), io.Discard, io.Discard)
		if err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestConfig_Validate(t *testing.T) {
	t.Parallel()
	good := fakellm.DefaultConfig()
	if err := good.Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	bad := []fakellm.Config{
		{TTFT: -1}, {TokensPerSec: -1}, {ReplyTokens: -1}, {Jitter: 1.5}, {ReplyJitter: -0.1}, {ReplyJitter: 1.01}, {ArgChunks: -2},
		{Tools: "maybe"}, {Faults: fakellm.Faults{Hang: 1.2}}, {Faults: fakellm.Faults{Cut: 0.6, BadToolJSON: 0.6}},
	}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v validated", c)
		}
	}
}
