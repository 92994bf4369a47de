package httpapi

import (
	"net/http"
	"time"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/runs"
)

// stream writes a run's log as SSE from sequence number after on, until the
// log is complete or the client leaves. Leaving does not stop the run. A
// quiet stream gets a keep-alive comment every Heartbeat, which keeps
// proxies from closing it and reveals a dead client.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, log *runs.Log, after int) {
	h := w.Header()
	h.Set("Content-Type", agui.ContentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s.metrics.sseClients.Inc()
	defer s.metrics.sseClients.Dec()
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	beat := time.NewTimer(s.cfg.Heartbeat)
	defer beat.Stop()
	for {
		frames, closed, wake := log.Since(after)
		for _, f := range frames {
			if _, err := w.Write(f); err != nil {
				return
			}
		}
		after += len(frames)
		if len(frames) > 0 {
			if rc.Flush() != nil {
				return
			}
			beat.Reset(s.cfg.Heartbeat)
		}
		if closed && len(frames) == 0 {
			return
		}
		if closed {
			continue // re-check: nothing follows a closed log's last frame
		}
		select {
		case <-r.Context().Done():
			return
		case <-wake:
		case <-beat.C:
			if _, err := w.Write(agui.Heartbeat); err != nil || rc.Flush() != nil {
				return
			}
			beat.Reset(s.cfg.Heartbeat)
		}
	}
}
