package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
)

// handleRun serves POST / and POST /agents/{name}: every refusal is a JSON
// error sent before any SSE byte; an accepted run streams its log.
func (s *Server) handleRun(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if name == "" {
		name = s.cfg.DefaultAgent
	}
	in, err := s.decodeRun(w, r, name)
	if err != nil {
		writeError(w, err)
		return
	}
	run, err := s.cfg.Runs.Start(r.Context(), name, in)
	if err != nil {
		s.logRefusal(r, in, err)
		writeError(w, err)
		return
	}
	s.stream(w, r, run.Log, 0)
}

func (s *Server) decodeRun(w http.ResponseWriter, r *http.Request, name string) (*agui.RunAgentInput, error) {
	if _, ok := s.cfg.Runs.Agent(name); !ok {
		return nil, errNotFound("no agent named " + strconv.Quote(name))
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, agentd.Errorf(agentd.CodeUnsupported, "Content-Type must be application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, agentd.Errorf(agentd.CodeTooLarge, "request body exceeds %d bytes", s.cfg.MaxBody)
		}
		return nil, agentd.Errorf(agentd.CodeBadJSON, "could not read the request body")
	}
	in, err := agui.ParseInput(body)
	if err != nil {
		var ie *agui.InputError
		if errors.As(err, &ie) && ie.Syntax {
			return nil, &agentd.Error{Code: agentd.CodeBadJSON, Message: ie.Msg}
		}
		return nil, &agentd.Error{Code: agentd.CodeInvalid, Message: "not a valid RunAgentInput: " + err.Error()}
	}
	return in, nil
}

func (s *Server) logRefusal(r *http.Request, in *agui.RunAgentInput, err error) {
	level := s.cfg.Logger.Info
	if agentd.ErrorCode(err) == agentd.CodeInternal || agentd.ErrorCode(err) == agentd.CodeUnavailable {
		level = s.cfg.Logger.Warn
	}
	level("run refused", "thread", in.ThreadID, "run", in.RunID, "code", agentd.ErrorCode(err), "err", err)
}
