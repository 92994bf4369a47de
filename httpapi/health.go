package httpapi

import (
	"context"
	"net/http"
	"time"
)

// starved is how late a new goroutine may start before the instance is
// called not alive: a process whose scheduler cannot run work is hung.
const starved = 2 * time.Second

// handleLivez: the process answers and its scheduler runs new work in
// time. It never touches dependencies, so a slow database cannot get a
// live instance restarted.
func (s *Server) handleLivez(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	lag := make(chan time.Duration, 1)
	go func() { lag <- time.Since(start) }()
	select {
	case d := <-lag:
		if d < starved {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
			return
		}
	case <-time.After(starved):
	}
	writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "scheduler starved"})
}

// handleReadyz: whether this instance should get new runs now.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Runs.Draining() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "draining"})
		return
	}
	if b := s.cfg.Budget; b != nil && b.Overloaded() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "reason": "overloaded: the scheduler runs late"})
		return
	}
	if b := s.cfg.Budget; b != nil && b.Exhausted() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "reason": "run budget exhausted",
			"runs": b.InUse(), "maxRuns": b.Cap()})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Store.Ping(ctx); err != nil {
		s.cfg.Logger.Warn("readiness: store does not answer", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "store does not answer"})
		return
	}
	// An agent whose tool source is down still answers, without those
	// tools; every instance shares the source, so taking this one out of
	// rotation would help nothing. The probe says so and stays ready.
	degraded := map[string]string{}
	for _, a := range s.cfg.Runs.Agents() {
		if err := a.Health(); err != nil {
			degraded[a.Name] = err.Error()
		}
	}
	if len(degraded) > 0 {
		writeJSON(w, http.StatusOK, map[string]any{"status": "degraded", "agents": degraded})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleAgentHealth answers like the Python reference server's health
// endpoint, so existing probes keep working.
func (s *Server) handleAgentHealth(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if name == "" {
		name = s.cfg.DefaultAgent
	}
	a, ok := s.cfg.Runs.Agent(name)
	if !ok {
		writeError(w, errNotFound("no agent named "+name))
		return
	}
	if err := a.Health(); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "agent": map[string]string{"name": name}, "reason": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "agent": map[string]string{"name": name}})
}
