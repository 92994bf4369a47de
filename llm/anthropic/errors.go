package anthropic

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/agentd/agentd/llm"
)

// failure maps an SDK error to what Stream returns: the context's error when
// the caller gave up, otherwise an *llm.Error. The SDK's own error is never
// wrapped: it holds the request, whose headers carry the API key. seen
// classifies a failure whose body was not an API error object (a proxy's
// HTML page, say).
func (p *Provider) failure(ctx context.Context, err error, seen *llm.SeenResponse) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", Name, ctx.Err())
	}
	var apiErr *sdk.Error
	if errors.As(err, &apiErr) {
		if apiErr.StatusCode >= 400 {
			return p.statusError(apiErr.StatusCode, seen.Header, apiErr.Message)
		}
		return p.eventError(string(apiErr.Type()), apiErr.Message, seen.Status)
	}
	if seen.Got && seen.Status >= 400 {
		return p.statusError(seen.Status, seen.Header, "")
	}
	if !seen.Got {
		return llm.SendError(Name, err)
	}
	return &llm.Error{Provider: Name, Kind: llm.ErrStream, Status: seen.Status,
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
		Err: fmt.Errorf("error event in the stream: %s: %s", typ, llm.Redact(msg, p.apiKey))}
}

func (p *Provider) statusError(status int, h http.Header, msg string) *llm.Error {
	return llm.HTTPError(Name, status, llm.RetryAfter(h, time.Now()), llm.Redact(msg, p.apiKey))
}
