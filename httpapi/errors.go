package httpapi

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/agentd/agentd"
)

var statusOf = map[agentd.Code]int{
	agentd.CodeBadJSON:         http.StatusBadRequest,
	agentd.CodeUnauthenticated: http.StatusUnauthorized,
	agentd.CodeInvalid:         http.StatusUnprocessableEntity,
	agentd.CodeTooLarge:        http.StatusRequestEntityTooLarge,
	agentd.CodeBodyTimeout:     http.StatusRequestTimeout,
	agentd.CodeUnsupported:     http.StatusUnsupportedMediaType,
	agentd.CodeForbidden:       http.StatusForbidden,
	agentd.CodeTooManyThreads:  http.StatusForbidden,
	agentd.CodeNotFound:        http.StatusNotFound,
	agentd.CodeConflict:        http.StatusConflict,
	agentd.CodeRateLimited:     http.StatusTooManyRequests,
	agentd.CodeTokenQuota:      http.StatusTooManyRequests,
	agentd.CodeOverloaded:      http.StatusServiceUnavailable,
	agentd.CodeUnavailable:     http.StatusServiceUnavailable,
	agentd.CodeInternal:        http.StatusInternalServerError,
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

// jsonWriteTimeout bounds writing a JSON response, so a client that never
// reads cannot hold the handler's goroutine forever; it is ample for an
// 8 MiB thread over a slow link.
var jsonWriteTimeout = 30 * time.Second // a var for a test

func writeJSON(w http.ResponseWriter, status int, v any) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(jsonWriteTimeout))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do then
}

func errNotFound(msg string) error { return &agentd.Error{Code: agentd.CodeNotFound, Message: msg} }
