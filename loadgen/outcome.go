package loadgen

import "net/http"

// Outcomes of a turn. RUN_ERROR outcomes are "run_error:" plus the event's
// code ("run_error:unspecified" when it has none).
const (
	OutcomeOK            = "ok"
	Outcome429           = "http_429"
	Outcome503           = "http_503"
	Outcome409           = "http_409"
	OutcomeHTTPOther     = "http_other"
	OutcomeTimeout       = "timeout"
	OutcomeStreamError   = "stream_error"   // the connection broke or could not be made
	OutcomeProtocolError = "protocol_error" // an event the client rejects, or no RUN_FINISHED/RUN_ERROR
	OutcomeCancelled     = "cancelled"      // the run itself was stopped (ctx) while the turn was in flight
	runErrorPrefix       = "run_error:"
)

// RunErrorOutcome names a turn that ended with RUN_ERROR.
func RunErrorOutcome(code string) string {
	if code == "" {
		code = "unspecified"
	}
	return runErrorPrefix + code
}

// statusOutcome classifies a non-2xx response.
func statusOutcome(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return Outcome429
	case http.StatusServiceUnavailable:
		return Outcome503
	case http.StatusConflict:
		return Outcome409
	}
	return OutcomeHTTPOther
}

// wantsRetryAfter reports whether an outcome should carry Retry-After.
func wantsRetryAfter(outcome string) bool {
	return outcome == Outcome429 || outcome == Outcome503
}
