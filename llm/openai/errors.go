package openai

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"

	"github.com/agentd/agentd/llm"
)

// failure maps an SDK error to what Stream returns: the context's error when
// the caller gave up, otherwise an *llm.Error. The SDK's own error is never
// wrapped: it holds the request, whose headers carry the API key. seen
// classifies a failure whose body was not an OpenAI error object
// (compatible servers often send plain text).
func (p *Provider) failure(ctx context.Context, err error, seen *llm.SeenResponse) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", Name, ctx.Err())
	}
	var apiErr *sdk.Error
	if errors.As(err, &apiErr) {
		return p.statusError(apiErr.StatusCode, seen.Header, apiErr.Message)
	}
	if seen.Got && seen.Status >= 400 {
		return p.statusError(seen.Status, seen.Header, "")
	}
	var streamErr *ssestream.StreamError
	if errors.As(err, &streamErr) {
		return &llm.Error{Provider: Name, Kind: llm.ErrStream, Status: seen.Status,
			Err: errors.New(llm.Redact(streamErr.Message, p.apiKey))}
	}
	if !seen.Got {
		return llm.SendError(Name, err)
	}
	return &llm.Error{Provider: Name, Kind: llm.ErrStream, Status: seen.Status,
		Err: fmt.Errorf("reading the stream: %w", err)}
}

func (p *Provider) statusError(status int, h http.Header, msg string) *llm.Error {
	return llm.HTTPError(Name, status, retryAfter(h, time.Now()), llm.Redact(msg, p.apiKey))
}

// retryAfter prefers OpenAI's Retry-After-Ms to the standard Retry-After.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < math.MaxInt64/float64(time.Millisecond) {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	return llm.RetryAfter(h, now)
}
