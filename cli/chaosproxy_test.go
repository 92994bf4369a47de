package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while the command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestChaosproxyCutsAndRestoresOnCommand(t *testing.T) {
	target, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	go func() {
		for {
			c, err := target.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("hello"))
			c.Close()
		}
	}()

	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- chaosproxyCommand(ctx, []string{"--target", target.Addr().String()}, &out, &out)
	}()
	var m []string
	re := regexp.MustCompile(`listening on (\S+) to \S+, control on (http://\S+)\n`)
	for deadline := time.Now().Add(5 * time.Second); m == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		m = re.FindStringSubmatch(out.String())
	}
	if m == nil {
		t.Fatalf("no address line: %q", out.String())
	}
	proxy, control := m[1], m[2]
	greet := func() string {
		c, err := net.Dial("tcp", proxy)
		if err != nil {
			return ""
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		b := make([]byte, 5)
		n, _ := c.Read(b)
		return string(b[:n])
	}
	post := func(path string) bool {
		resp, err := http.Post(control+path, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st struct{ Cut bool }
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != 200 {
			t.Fatalf("POST %s: %d %v", path, resp.StatusCode, err)
		}
		return st.Cut
	}
	if got := greet(); got != "hello" {
		t.Fatalf("through the proxy: %q", got)
	}
	if !post("/cut") || greet() != "" {
		t.Error("after POST /cut the proxy still forwards")
	}
	if post("/restore") || greet() != "hello" {
		t.Error("after POST /restore the proxy does not forward")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("stopped with %v", err)
	}

	for _, args := range [][]string{{}, {"--target", "x:1", "--listen", "0.0.0.0:0"}, {"--target", "x:1", "extra"}} {
		if err := chaosproxyCommand(context.Background(), args, &out, &out); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
