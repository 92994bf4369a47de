package llmtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Server is a local model server that answers each request with the next
// scripted Reply and records what it received.
type Server struct {
	// URL is the base URL to give the provider's Config.BaseURL.
	URL string

	t       testing.TB
	srv     *httptest.Server
	dialect dialect
	done    chan struct{} // closed at cleanup: releases hanging handlers

	mu       sync.Mutex
	replies  []Reply
	requests []Request
}

// Request is one request the server received.
type Request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// dialect is what differs between the providers' wire formats.
type dialect struct {
	path      string                   // the endpoint's URL path
	baseURL   func(root string) string // the SDK base URL for a server root
	errorBody func(Reply) any          // JSON body of an HTTP error reply
	stream    func(*sseWriter, Reply)  // writes the events of a 200 reply
}

func newServer(t testing.TB, d dialect, replies []Reply) *Server {
	t.Helper()
	s := &Server{t: t, dialect: d, done: make(chan struct{}), replies: replies}
	s.srv = httptest.NewServer(s)
	s.URL = d.baseURL(s.srv.URL)
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
	})
	return s
}

// Add scripts more replies, served after the ones already queued.
func (s *Server) Add(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies = append(s.replies, replies...)
}

// Requests returns the requests received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Last returns the most recent request; it fails the test when there is none.
func (s *Server) Last() Request {
	s.t.Helper()
	reqs := s.Requests()
	if len(reqs) == 0 {
		s.t.Fatalf("llmtest: the server received no request")
	}
	return reqs[len(reqs)-1]
}

// ServeHTTP records the request and plays the next scripted reply.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.t.Errorf("llmtest: reading request body: %v", err)
		return
	}
	s.mu.Lock()
	n := len(s.requests)
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	var reply Reply
	scripted := n < len(s.replies)
	if scripted {
		reply = s.replies[n]
	}
	s.mu.Unlock()

	if r.Method != http.MethodPost || r.URL.Path != s.dialect.path {
		s.t.Errorf("llmtest: unexpected %s %s, want POST %s", r.Method, r.URL.Path, s.dialect.path)
		http.NotFound(w, r)
		return
	}
	if !scripted {
		s.t.Errorf("llmtest: request %d has no scripted reply (%d scripted)", n+1, n)
		http.Error(w, "llmtest: no reply scripted", http.StatusInternalServerError)
		return
	}
	s.play(w, r, reply)
}

func (s *Server) play(w http.ResponseWriter, r *http.Request, reply Reply) {
	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	if reply.RetryAfter != "" {
		w.Header().Set("Retry-After", reply.RetryAfter)
	}
	if reply.Status != 0 && reply.Status != http.StatusOK {
		if reply.Raw != nil { // a body that is not the provider's JSON error
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(reply.Status)
			_, _ = w.Write(reply.Raw)
			return
		}
		writeJSON(w, reply.Status, s.dialect.errorBody(reply))
		return
	}
	if reply.End == Hang && len(reply.Chunks) == 0 && reply.Raw == nil {
		s.hang(r) // before the headers: the client waits for a response
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	sw := &sseWriter{w: w, rc: http.NewResponseController(w), t: s.t}
	if reply.Raw != nil {
		sw.raw(reply.Raw)
	} else {
		s.dialect.stream(sw, reply)
	}
	switch reply.End {
	case Cut:
		s.cut(w)
	case Hang:
		s.hang(r)
	}
}

// hang blocks until the client goes away or the test ends.
func (s *Server) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.done:
	}
}

// cut closes the connection without ending the chunked body, so the client
// sees the stream break mid-way.
func (s *Server) cut(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		s.t.Errorf("llmtest: hijacking the connection to cut it: %v", err)
		return
	}
	conn.Close()
}
