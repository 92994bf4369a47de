package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/store"
)

type threadBody struct {
	ThreadID string          `json:"threadId"`
	Agent    string          `json:"agent"`
	Version  int64           `json:"version"`
	Messages any             `json:"messages"` // []agui.Message, or []historyMessage
	State    json.RawMessage `json:"state"`
	Runs     []runBody       `json:"runs"` // oldest first
}

// runBody is one run of a thread, with the tokens its model calls used.
type runBody struct {
	RunID  string           `json:"runId"`
	Status agentd.RunStatus `json:"status"`
	Usage  agentd.Usage     `json:"usage"`
}

// writeThread answers the thread t with msgs, the messages asked for, and
// its runs.
func (s *Server) writeThread(w http.ResponseWriter, r *http.Request, t agentd.Thread, msgs any) {
	runs, err := s.cfg.Store.ListRuns(r.Context(), userOf(r), t.ID)
	if err != nil {
		writeError(w, storeError(err, "thread"))
		return
	}
	out := make([]runBody, len(runs))
	for i, run := range runs {
		out[i] = runBody{RunID: run.ID, Status: run.Status, Usage: run.Usage}
	}
	writeJSON(w, http.StatusOK, threadBody{ThreadID: t.ID, Agent: t.Agent, Version: t.Version, Messages: msgs, State: t.State, Runs: out})
}

// historyMessage is a message of GET /threads/{id}?include=superseded:
// a current one reads as in the plain answer, a superseded one is marked.
type historyMessage struct {
	agui.Message
	Superseded   bool   `json:"superseded,omitempty"`
	SupersededBy string `json:"supersededBy,omitempty"`
}

// handleGetThread answers the thread's current branch, or with
// ?include=superseded its whole history.
func (s *Server) handleGetThread(w http.ResponseWriter, r *http.Request) {
	if inc, ok := r.URL.Query()["include"]; ok {
		if len(inc) != 1 || inc[0] != "superseded" {
			writeError(w, agentd.Errorf(agentd.CodeInvalid, `include must be "superseded", the only value it takes`))
			return
		}
		s.handleThreadHistory(w, r)
		return
	}
	t, err := s.cfg.Store.GetThread(r.Context(), userOf(r), r.PathValue("id"))
	if err != nil {
		writeError(w, storeError(err, "thread"))
		return
	}
	msgs := t.Messages
	if msgs == nil {
		msgs = []agui.Message{}
	}
	s.writeThread(w, r, t, msgs)
}

// handleThreadHistory answers every message of the thread, current and
// superseded, in the order they were written.
func (s *Server) handleThreadHistory(w http.ResponseWriter, r *http.Request) {
	t, all, err := s.cfg.Store.ThreadHistory(r.Context(), userOf(r), r.PathValue("id"))
	if err != nil {
		writeError(w, storeError(err, "thread"))
		return
	}
	msgs := make([]historyMessage, len(all))
	for i, m := range all {
		msgs[i] = historyMessage{Message: m.Message, Superseded: m.SupersededBy != "", SupersededBy: m.SupersededBy}
	}
	s.writeThread(w, r, t, msgs)
}

func (s *Server) handleListThreads(w http.ResponseWriter, r *http.Request) {
	q := store.ThreadQuery{User: userOf(r), Cursor: r.URL.Query().Get("cursor")}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			writeError(w, agentd.Errorf(agentd.CodeInvalid, "limit must be between 1 and 500"))
			return
		}
		q.Limit = n
	}
	page, err := s.cfg.Store.ListThreads(r.Context(), q)
	if err != nil {
		writeError(w, storeError(err, "thread"))
		return
	}
	threads := page.Threads
	if threads == nil {
		threads = []agentd.ThreadSummary{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"threads": threads, "next": page.Next})
}

func (s *Server) handleDeleteThread(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Store.DeleteThread(r.Context(), userOf(r), r.PathValue("id")); err != nil {
		writeError(w, storeError(err, "thread"))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// storeError maps a store failure to what the client is told. The store
// does not tell a missing thread from another user's, and neither does
// this.
func storeError(err error, what string) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errNotFound("no such " + what)
	case errors.Is(err, store.ErrBusy):
		return &agentd.Error{Code: agentd.CodeOverloaded, Message: "the store is busy; retry shortly", RetryAfter: time.Second, Cause: err}
	case errors.As(err, new(*agentd.Error)):
		return err
	}
	return &agentd.Error{Code: agentd.CodeUnavailable, Message: "the store is unavailable; retry shortly", Cause: err}
}
