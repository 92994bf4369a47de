// Package llm is the seam to model providers: a provider-neutral request,
// the deltas a streaming provider yields, and the errors it reports. The
// openai, anthropic, sim and demo subpackages implement Provider.
package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/agentd/agentd/agui"
)

// Provider streams one model turn.
type Provider interface {
	// Name is the provider's label in logs and metrics ("openai", "sim"…).
	Name() string
	// Stream sends req and calls emit for every delta, in order, until the
	// turn ends. It returns an *Error (or ctx.Err()) on failure; deltas
	// already emitted stay valid. emit's error aborts the stream and is
	// returned as is.
	Stream(ctx context.Context, req *Request, emit func(Delta) error) error
}

// Request is one model turn.
type Request struct {
	System   string         // instructions
	Messages []agui.Message // user, assistant (with tool calls) and tool messages; consistent (every tool call answered)
	Tools    []Tool
}

// Tool is a function the model may call.
type Tool struct {
	Name        string
	Description string
	Parameters  json.RawMessage // JSON Schema object; nil means no arguments
}

// Delta is one piece of a streamed turn: text, or a piece of a tool call.
// A tool call's first delta carries its ID and Name; later deltas with the
// same Index carry only argument fragments.
type Delta struct {
	Text     string
	ToolCall *ToolCallDelta
	Usage    *Usage
}

// ToolCallDelta is a piece of one tool call.
type ToolCallDelta struct {
	Index int
	ID    string
	Name  string
	Args  string // a fragment of the JSON arguments
}

// Usage counts tokens of a turn, when the provider reports them.
// InputTokens is the whole prompt, cached part included; CachedInputTokens
// is the part read from the provider's prompt cache. Model names the model
// that was asked (the provider's configured model), for metrics.
type Usage struct {
	InputTokens, OutputTokens, CachedInputTokens int
	Model                                        string
}

// The model-side limits a call can exceed; errors.Is finds them in the
// *Error a guarded provider returns.
var (
	ErrFirstTokenTimeout = errors.New("no first token within the limit")
	ErrIdleTimeout       = errors.New("the stream went quiet past the idle limit")
)

// ErrorKind classifies a provider failure; it decides retries.
type ErrorKind string

const (
	ErrRateLimited ErrorKind = "rate_limited" // 429: retry after RetryAfter
	ErrUnavailable ErrorKind = "unavailable"  // 5xx, connection failure: retry
	ErrTimeout     ErrorKind = "timeout"      // no answer in time
	ErrBadRequest  ErrorKind = "bad_request"  // 4xx: do not retry
	ErrAuth        ErrorKind = "auth"         // 401/403: do not retry
	ErrStream      ErrorKind = "stream"       // the stream broke or was malformed
)

// Error is a provider failure.
type Error struct {
	Provider   string
	Kind       ErrorKind
	Status     int           // HTTP status when there was one
	RetryAfter time.Duration // from the provider's Retry-After, when sent
	Err        error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s (status %d): %v", e.Provider, e.Kind, e.Status, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether trying the same request again may succeed.
func (e *Error) Retryable() bool {
	return e.Kind == ErrRateLimited || e.Kind == ErrUnavailable
}

// KindOf returns the kind of err's *Error, or "" when it is not one.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// KindForStatus maps an HTTP status from a provider to an error kind.
func KindForStatus(status int) ErrorKind {
	switch {
	case status == 429:
		return ErrRateLimited
	case status == 401 || status == 403:
		return ErrAuth
	case status == 408 || status >= 500:
		return ErrUnavailable
	default:
		return ErrBadRequest
	}
}
