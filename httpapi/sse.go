package httpapi

import (
	"net/http"
	"time"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/runs"
)

// stream writes a run's events as SSE from sequence number after on, until
// the log is complete or the client leaves. Leaving does not stop the run.
// A quiet stream gets a keep-alive comment every Heartbeat, which keeps
// proxies from closing it and reveals a dead client.
//
// Slow readers: the events are not copied per client; each stream reads
// the run's log at its own pace, so a slow reader costs the run nothing.
// A client that accepts no bytes for two heartbeats is disconnected (its
// write deadline passes); it can rejoin from the log with Last-Event-ID.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, feed runs.Feed, after int, firstEvent func()) {
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
		frames, n, done, err := feed.Next(r.Context(), after, s.cfg.Heartbeat)
		if err != nil || done {
			if err != nil && r.Context().Err() == nil {
				s.cfg.Logger.Warn("event feed failed", "err", err)
			}
			return
		}
		_ = rc.SetWriteDeadline(time.Now().Add(2 * s.cfg.Heartbeat))
		if _, err := w.Write(frames); err != nil {
			return
		}
		after += n
		if n == 0 {
			if _, err := w.Write(agui.Heartbeat); err != nil {
				return
			}
		}
		if rc.Flush() != nil {
			return
		}
		if n > 0 && firstEvent != nil {
			firstEvent()
			firstEvent = nil
		}
	}
}
