package openai

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

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"

	"github.com/agentd/agentd/llm"
)

// response records the HTTP response the SDK received, so that a failure
// is classified by its status even when the body was not an OpenAI error
// object (compatible servers often send plain text).
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
		return p.statusError(apiErr.StatusCode, seen.header, apiErr.Message)
	}
	if seen.got && seen.status >= 400 {
		return p.statusError(seen.status, seen.header, "")
	}
	var streamErr *ssestream.StreamError
	if errors.As(err, &streamErr) {
		return &llm.Error{Provider: Name, Kind: llm.ErrStream, Status: seen.status,
			Err: errors.New(p.scrub(streamErr.Message))}
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

// retryAfter reads how long the server asks to wait: OpenAI's
// Retry-After-Ms, else Retry-After in seconds or as an HTTP date. 0 means
// no usable answer.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < math.MaxInt64/float64(time.Millisecond) {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
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
