package httpapi

import (
	"net/http"
	"time"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/runs"
)

// stream writes a run's events as SSE from sequence number after on, until
// the run's end is sent or the client leaves. Leaving does not stop the run.
// A quiet stream gets a keep-alive comment every Heartbeat, which keeps
// proxies from closing it and reveals a dead client. Any other reason to
// stop is told to the client as a RUN_ERROR (see endEarly); every end is
// counted by reason.
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
	s.metrics.streamsEnded.WithLabelValues(s.pump(w, r, rc, feed, after, firstEvent)).Inc()
}

// pump copies the feed to the client and returns why it stopped.
func (s *Server) pump(w http.ResponseWriter, r *http.Request, rc *http.ResponseController, feed runs.Feed, after int, firstEvent func()) string {
	for {
		frames, n, done, err := feed.Next(r.Context(), after, s.cfg.Heartbeat)
		switch {
		case err != nil && r.Context().Err() != nil:
			return endClientLeft
		case err != nil:
			return s.endEarly(w, rc, err)
		case done:
			return endRunEnded
		}
		_ = rc.SetWriteDeadline(time.Now().Add(2 * s.cfg.Heartbeat))
		if _, err := w.Write(frames); err != nil {
			return endClientStalled
		}
		after += n
		if n == 0 {
			if _, err := w.Write(agui.Heartbeat); err != nil {
				return endClientStalled
			}
		}
		if rc.Flush() != nil {
			return endClientStalled
		}
		if n > 0 && firstEvent != nil {
			firstEvent()
			firstEvent = nil
		}
	}
}
