package httpapi

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A client that never reads a large JSON response does not hold its
// handler: the write deadline ends the write. Not parallel: it shortens
// the package's timeout while no other test runs.
func TestJSONResponseToAClientThatNeverReadsEnds(t *testing.T) {
	defer func(d time.Duration) { jsonWriteTimeout = d }(jsonWriteTimeout)
	jsonWriteTimeout = 200 * time.Millisecond
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		writeJSON(w, http.StatusOK, map[string]string{"big": strings.Repeat("x", 32<<20)}) // far beyond socket buffers
	}))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprint(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler is still writing to a client that never reads")
	}
}
