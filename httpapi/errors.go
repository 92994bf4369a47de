package httpapi

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/agentd/agentd"
)

var statusOf = map[agentd.Code]int{
	agentd.CodeBadJSON:        http.StatusBadRequest,
	agentd.CodeInvalid:        http.StatusUnprocessableEntity,
	agentd.CodeTooLarge:       http.StatusRequestEntityTooLarge,
	agentd.CodeUnsupported:    http.StatusUnsupportedMediaType,
	agentd.CodeNotFound:       http.StatusNotFound,
	agentd.CodeConflict:       http.StatusConflict,
	agentd.CodeRateLimited:    http.StatusTooManyRequests,
	agentd.CodeTooManyThreads: http.StatusForbidden,
	agentd.CodeOverloaded:     http.StatusServiceUnavailable,
	agentd.CodeUnavailable:    http.StatusServiceUnavailable,
	agentd.CodeInternal:       http.StatusInternalServerError,
}

type errorBody struct {
	Error struct {
		Code    agentd.Code `json:"code"`
		Message string      `json:"message"`
	} `json:"error"`
}

// writeError answers with the error's status and a JSON body
// {"error":{"code","message"}}; a retryable refusal carries Retry-After.
func writeError(w http.ResponseWriter, err error) {
	var body errorBody
	body.Error.Code = agentd.ErrorCode(err)
	body.Error.Message = agentd.ErrorMessage(err)
	var e *agentd.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	writeJSON(w, statusOf[body.Error.Code], body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do then
}

func errNotFound(msg string) error { return &agentd.Error{Code: agentd.CodeNotFound, Message: msg} }
