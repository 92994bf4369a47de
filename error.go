package agentd

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error for clients. The HTTP layer maps each code to a
// status; the message is safe to show, the wrapped cause goes only to logs.
type Code string

const (
	CodeInvalid         Code = "invalid"         // 422: well-formed but not acceptable
	CodeBadJSON         Code = "bad_json"        // 400: not JSON at all
	CodeUnauthenticated Code = "unauthenticated" // 401: missing or rejected credentials
	CodeTooLarge        Code = "too_large"       // 413
	CodeBodyTimeout     Code = "body_timeout"    // 408: the request body came too slowly
	CodeUnsupported     Code = "unsupported"     // 415: wrong content type
	CodeForbidden       Code = "forbidden"       // 403: refused for where it came from (Host, cross-site)
	CodeNotFound        Code = "not_found"       // 404
	CodeConflict        Code = "conflict"        // 409: e.g. the thread already has a run
	CodeRateLimited     Code = "rate_limited"    // 429
	// 429: the user spent the day's --user-tokens-per-day; Retry-After
	// says when the UTC day ends.
	CodeTokenQuota Code = "token_quota"
	// 403: a new thread would take its user over --max-threads-per-user;
	// waiting does not help, deleting threads does.
	CodeTooManyThreads Code = "too_many_threads"
	CodeOverloaded     Code = "overloaded"  // 503: no run slot within the wait bound
	CodeUnavailable    Code = "unavailable" // 503: a dependency is down or the server drains
	CodeInternal       Code = "internal"    // 500
)

// Error is an error with a client-facing code and message, and an optional
// cause kept for the operator.
type Error struct {
	Code       Code
	Message    string
	RetryAfter time.Duration // > 0: tell the client when to retry
	Cause      error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or
// CodeInternal when there is none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the client-safe message of err: the *Error's message,
// or a generic text that leaks nothing of an internal cause.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
