package llm_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentd/agentd/llm"
)

// Many concurrent streams to one model host keep their connections for the
// next turn: a second wave of as many requests dials none.
func TestHTTPClientKeepsConnectionsToOneHost(t *testing.T) {
	var dialled atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond) // so the wave's requests overlap
		io.WriteString(w, "data: [DONE]\n\n")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialled.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	wave := func() {
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				res, err := llm.HTTPClient().Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			})
		}
		wg.Wait()
	}
	wave()
	first := dialled.Load()
	wave()
	if again := dialled.Load() - first; again > 0 {
		t.Fatalf("the second wave of 50 requests dialled %d new connections (the first dialled %d)", again, first)
	}
}
