package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/coord"
	"github.com/agentd/agentd/runs"
	"github.com/agentd/agentd/store"
)

// handleRunEvents serves GET /runs/{id}/events: the run's events after the
// client's Last-Event-ID (or ?after=N), then the rest as they come.
func (s *Server) handleRunEvents(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	after := 0
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		after, _ = strconv.Atoi(v)
	} else if v := r.URL.Query().Get("after"); v != "" {
		after, _ = strconv.Atoi(v)
	}
	if after < 0 {
		writeError(w, agentd.Errorf(agentd.CodeInvalid, "Last-Event-ID must be a non-negative sequence number"))
		return
	}
	user := userOf(r)
	release, err := s.rejoins.acquire(id, user)
	if err != nil {
		writeError(w, err)
		return
	}
	defer release()
	feed, err := s.cfg.Runs.Feed(r.Context(), user, id, after)
	if errors.Is(err, coord.ErrNotFound) {
		writeError(w, s.runGone(r, user, id))
		return
	}
	if err != nil {
		writeError(w, &agentd.Error{Code: agentd.CodeUnavailable, RetryAfter: 2 * time.Second,
			Message: "the run's event log is unavailable; retry shortly", Cause: err})
		return
	}
	s.stream(w, r, feed, after, nil)
}

// runGone explains why a run's events cannot be streamed; another
// user's run is told apart from a missing one by nothing.
func (s *Server) runGone(r *http.Request, user, id string) error {
	rec, err := s.cfg.Store.GetRun(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || err == nil && rec.User != user {
		return runs.RunNotFound(id)
	}
	if err != nil {
		return storeError(err, "run")
	}
	return agentd.Errorf(agentd.CodeNotFound, "run %s is %s and its events are no longer kept; GET /threads/%s for the result",
		id, rec.Status, rec.ThreadID)
}

// handleRunCancel serves POST /runs/{id}/cancel: 202 once the run, on
// this instance or another, is being stopped; 404 for an unknown run, 409
// for one that already ended.
func (s *Server) handleRunCancel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.cfg.Runs.Cancel(r.Context(), userOf(r), id); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"runId": id, "status": "cancelling"})
}
