package httpapi

import (
	"net/http"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/runs"
)

// stream writes a run's events as SSE from sequence number after on, until
// the log is complete or the client leaves. Leaving does not stop the run.
// A quiet stream gets a keep-alive comment every Heartbeat, which keeps
// proxies from closing it and reveals a dead client.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, feed runs.Feed, after int) {
	h := w.Header()
	h.Set("Content-Type", agui.ContentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s.metrics.sseClients.Inc()
	defer s.metrics.sseClients.Dec()
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	for {
		frames, done, err := feed.Next(r.Context(), after, s.cfg.Heartbeat)
		if err != nil || done {
			if err != nil && r.Context().Err() == nil {
				s.cfg.Logger.Warn("event feed failed", "err", err)
			}
			return
		}
		for _, f := range frames {
			if _, err := w.Write(f); err != nil {
				return
			}
		}
		after += len(frames)
		if len(frames) == 0 {
			if _, err := w.Write(agui.Heartbeat); err != nil {
				return
			}
		}
		if rc.Flush() != nil {
			return
		}
	}
}
