package httpapi

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/runs"
)

// handleRun serves POST / and POST /agents/{name}: every refusal is a JSON
// error sent before any SSE byte; an accepted run streams its log. The
// caller was authenticated before this handler; everything that can refuse
// a request cheaply (agent, content type, rate limit, run budget) does so
// before its body is read.
func (s *Server) handleRun(w http.ResponseWriter, r *http.Request) {
	began := time.Now()
	name := r.PathValue("name")
	if name == "" {
		name = s.cfg.DefaultAgent
	}
	if err := s.checkRun(r, name); err != nil {
		s.refuse(w, r, nil, err)
		return
	}
	// The queue wait bounds all of an admitted run's wait before its
	// first event: the slot's, then the store's. A store is given at
	// least minStoreWait, since no write takes no time (--queue-wait 0
	// means: do not wait for a slot).
	var startBy time.Time
	if s.cfg.Budget != nil {
		startBy = time.Now().Add(max(s.cfg.Budget.Wait(), minStoreWait))
	}
	release, err := s.admit(r)
	if err != nil {
		s.refuse(w, r, nil, err)
		return
	}
	in, err := s.decodeRun(w, r)
	if err != nil {
		release()
		s.refuse(w, r, nil, err)
		return
	}
	run, err := s.cfg.Runs.Start(r.Context(), runs.Request{Agent: name, User: userOf(r), Input: in, Release: release, StartBy: startBy})
	if err != nil {
		s.refuse(w, r, in, err)
		return
	}
	s.stream(w, r, run.Log, 0, func() { s.metrics.firstEvent.Observe(time.Since(began).Seconds()) })
}

// minStoreWait is the least an admitted run may wait for the store.
const minStoreWait = time.Second

// admit applies the caller's rate limit, then takes a run slot within the
// budget's bounded wait. The slot is released when the run ends.
func (s *Server) admit(r *http.Request) (release func(), err error) {
	if s.cfg.Limiter != nil {
		ok, retry, err := s.cfg.Limiter.Allow(r.Context(), s.rateKey(r))
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &agentd.Error{Code: agentd.CodeRateLimited, RetryAfter: retry,
				Message: "too many runs from this caller; retry after the Retry-After delay"}
		}
	}
	if s.cfg.Budget == nil {
		return func() {}, nil
	}
	start := time.Now()
	release, err = s.cfg.Budget.Acquire(r.Context())
	s.metrics.slotWait.Observe(time.Since(start).Seconds())
	return release, err
}

// checkRun refuses a run request on what its headers and path say.
func (s *Server) checkRun(r *http.Request, name string) error {
	if _, ok := s.cfg.Runs.Agent(name); !ok {
		return errNotFound("no agent named " + strconv.Quote(name))
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return agentd.Errorf(agentd.CodeUnsupported, "Content-Type must be application/json")
	}
	return nil
}

func (s *Server) decodeRun(w http.ResponseWriter, r *http.Request) (*agui.RunAgentInput, error) {
	body, err := s.readBody(w, r)
	if err != nil {
		return nil, err
	}
	in, err := agui.ParseInput(body, s.cfg.Limits)
	if err != nil {
		var ie *agui.InputError
		switch {
		case errors.As(err, &ie) && ie.Syntax:
			return nil, &agentd.Error{Code: agentd.CodeBadJSON, Message: ie.Msg}
		case errors.As(err, &ie) && ie.TooLarge:
			return nil, &agentd.Error{Code: agentd.CodeTooLarge, Message: ie.Msg}
		}
		return nil, &agentd.Error{Code: agentd.CodeInvalid, Message: "not a valid RunAgentInput: " + err.Error()}
	}
	return in, nil
}

// refuse answers a run request that will not run, counts and logs it.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, in *agui.RunAgentInput, err error) {
	code := agentd.ErrorCode(err)
	s.metrics.rejected.WithLabelValues(string(code)).Inc()
	level := s.cfg.Logger.Debug
	if code == agentd.CodeInternal || code == agentd.CodeUnavailable {
		level = s.cfg.Logger.Warn
	}
	if in != nil {
		level("run refused", "thread", in.ThreadID, "run", in.RunID, "code", code, "err", err)
	} else {
		level("run refused", "path", r.URL.Path, "code", code, "err", err)
	}
	writeError(w, err)
}
