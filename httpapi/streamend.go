package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/runs"
)

// Reasons a stream ended, besides the RUN_ERROR codes endEarly sends.
const (
	endRunEnded      = "run_ended"      // the run's RUN_FINISHED or RUN_ERROR was sent
	endClientLeft    = "client_left"    // the client closed the connection
	endClientStalled = "client_stalled" // a write failed: the client accepted no bytes within its deadline, or is gone
)

// endEarly ends a stream whose feed failed with a RUN_ERROR saying why,
// and returns its code. The event has no id: it is not one of the run's,
// so a client that rejoins with its Last-Event-ID resumes where it was.
func (s *Server) endEarly(w http.ResponseWriter, rc *http.ResponseController, err error) string {
	code, msg := agentd.RunErrStream, "the stream failed; rejoin the run"
	if se := (*runs.StreamError)(nil); errors.As(err, &se) {
		code, msg = se.Code, se.Msg
	}
	s.cfg.Logger.Warn("stream ended before the run's end", "code", code, "err", err)
	frame, _ := agui.AppendFrame(nil, 0, &agui.Event{Type: agui.RunError, Timestamp: agui.Now(), Code: string(code), Message: msg})
	_ = rc.SetWriteDeadline(time.Now().Add(2 * s.cfg.Heartbeat))
	if _, err := w.Write(frame); err == nil {
		_ = rc.Flush()
	}
	return string(code)
}
