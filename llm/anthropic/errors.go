package anthropic

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/agentd/agentd/llm"
)

// response records the HTTP response the SDK received, so that a failure
// is classified by its status even when the body was not an API error
// object (a proxy's HTML page, say).
type response struct {
	got    bool
	status int
	header http.Header
}

func (r *response) record(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	res, err := next(req)
	if res != nil {
		r.got, r.status, r.header = true, res.StatusCode, res.Header
	}
	return res, err
}

// failure maps an SDK error to what Stream returns: the context's error when
// the caller gave up, otherwise an *llm.Error. The SDK's own error is never
// wrapped: it holds the request, whose headers carry the API key.
func (p *Provider) failure(ctx context.Context, err error, seen *response) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", Name, ctx.Err())
	}
	var apiErr *sdk.Error
	if errors.As(err, &apiErr) {
		if apiErr.StatusCode >= 400 {
			return p.statusError(apiErr.StatusCode, seen.header, apiErr.Message)
		}
		return p.eventError(string(apiErr.Type()), apiErr.Message, seen.status)
	}
	if seen.got && seen.status >= 400 {
		return p.statusError(seen.status, seen.header, "")
	}
	if !seen.got {
		kind := llm.ErrUnavailable
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			kind = llm.ErrTimeout
		}
		return &llm.Error{Provider: Name, Kind: kind, Err: fmt.Errorf("sending the request: %w", err)}
	}
	return &llm.Error{Provider: Name, Kind: llm.ErrStream, Status: seen.status,
		Err: fmt.Errorf("reading the stream: %w", err)}
}

// eventError maps an error event inside a 200 stream. Overload and internal
// errors are transient, as their HTTP counterparts (529, 500) are.
func (p *Provider) eventError(typ, msg string, status int) *llm.Error {
	kind := llm.ErrStream
	switch typ {
	case "overloaded_error", "api_error":
		kind = llm.ErrUnavailable
	case "rate_limit_error":
		kind = llm.ErrRateLimited
	}
	return &llm.Error{Provider: Name, Kind: kind, Status: status,
		Err: fmt.Errorf("error event in the stream: %s: %s", typ, p.scrub(msg))}
}

func (p *Provider) statusError(status int, h http.Header, msg string) *llm.Error {
	text := fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	if msg != "" {
		text += ": " + p.scrub(msg)
	}
	return &llm.Error{Provider: Name, Kind: llm.KindForStatus(status), Status: status,
		RetryAfter: retryAfter(h, time.Now()), Err: errors.New(text)}
}

// scrub removes the API key from text from the server, which may echo it.
func (p *Provider) scrub(s string) string {
	if p.apiKey == "" {
		return s
	}
	return strings.ReplaceAll(s, p.apiKey, "[redacted]")
}

// retryAfter reads Retry-After, in seconds or as an HTTP date. 0 means no
// usable answer.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s > 0 && s < math.MaxInt64/int64(time.Second) {
			return time.Duration(s) * time.Second
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
