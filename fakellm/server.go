package fakellm

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// maxBody bounds a request body; real prompts are far smaller.
const maxBody = 32 << 20

// Server is the simulator's http.Handler.
type Server struct {
	cfg   Config
	seq   atomic.Uint64
	mux   *http.ServeMux
	stats stats
	cache *prefixCache
}

// New returns the simulator for cfg. It panics if cfg does not validate:
// a bad config is a programming error in tests, and Command validates
// flags before calling New.
func New(cfg Config) *Server {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	s := &Server{cfg: cfg.withDefaults(), mux: http.NewServeMux(), cache: newPrefixCache()}
	s.mux.HandleFunc("POST /v1/chat/completions", s.chat)
	s.mux.HandleFunc("POST /chat/completions", s.chat)
	s.mux.HandleFunc("GET /v1/models", s.models)
	s.mux.HandleFunc("GET /models", s.models)
	s.mux.HandleFunc("GET /v1/fakellm/stats", s.serveStats)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok\n")
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "reading body: "+err.Error())
		return
	}
	req, err := parseRequest(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	cfg, forced, isForced, err := applyOverrides(s.cfg, r.Header)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	seq := s.seq.Add(1)
	p := newPlan(cfg, req, seq, forced, isForced)
	s.stats.record(p)
	s.stats.inFlight.Add(1)
	defer s.stats.inFlight.Add(-1)

	switch p.fault {
	case FaultRateLimit:
		w.Header().Set("Retry-After", strconv.FormatInt(int64((cfg.RetryAfter+time.Second-1)/time.Second), 10))
		w.Header().Set("Retry-After-Ms", strconv.FormatInt(cfg.RetryAfter.Milliseconds(), 10))
		writeError(w, http.StatusTooManyRequests, "rate_limit_exceeded", "Rate limit reached (simulated by fakellm).")
		return
	case FaultServerError:
		writeError(w, http.StatusInternalServerError, "server_error", "The server had an error while processing your request (simulated by fakellm).")
		return
	}
	id := fmt.Sprintf("chatcmpl-fake%d", seq)
	w.Header().Set("X-Request-Id", id)
	if req.Stream {
		s.stream(w, r, req, p, id)
		return
	}
	s.complete(w, r, req, p, id)
}

func (s *Server) models(w http.ResponseWriter, _ *http.Request) {
	list := modelList{Object: "list"}
	for _, m := range s.cfg.Models {
		list.Data = append(list.Data, model{ID: m, Object: "model", Created: 1700000000, OwnedBy: "fakellm"})
	}
	writeJSON(w, http.StatusOK, list)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) // a write error means the client left; nothing to do
}

// writeError answers in OpenAI's error format.
func writeError(w http.ResponseWriter, status int, typ, msg string) {
	code := typ
	writeJSON(w, status, apiError{Error: apiErrorBody{Message: msg, Type: typ, Code: &code}})
}
