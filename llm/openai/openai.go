// Package openai is the llm.Provider for the OpenAI Chat Completions API and
// the many servers compatible with it (Ollama, vLLM, LiteLLM, simulators),
// built on the official openai-go SDK. It streams one turn per call and
// reports failures as *llm.Error; it never retries, because retries belong
// to the caller's budget and backoff.
package openai

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	json "github.com/goccy/go-json"
	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"

	"github.com/agentd/agentd/llm"
)

// Name is the provider's label.
const Name = "openai"

// Config configures a Provider.
type Config struct {
	APIKey  string // sent as a bearer token; may be empty for local servers
	BaseURL string // e.g. http://127.0.0.1:11434/v1; empty means api.openai.com
	Model   string // required
	// HTTPClient carries the requests; nil means llm.HTTPClient(). Give
	// it no Timeout: a stream lasts as long as the turn, and the caller's
	// context bounds it.
	HTTPClient *http.Client
}

// Provider streams chat completions.
type Provider struct {
	chat   sdk.ChatCompletionService
	model  string
	apiKey string // only to redact it from error messages
}

var _ llm.Provider = (*Provider)(nil)

// New returns a Provider for cfg. It does not contact the server.
func New(cfg Config) (*Provider, error) {
	if cfg.Model == "" {
		return nil, errors.New("openai: Model is required")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = llm.HTTPClient()
	}
	// The service is built from explicit options only, not sdk.NewClient,
	// so that OPENAI_API_KEY and friends in the environment are never sent
	// to a BaseURL they were not meant for.
	opts := []option.RequestOption{
		option.WithEnvironmentProduction(),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(0),
	}
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("openai: BaseURL %q is not an absolute http(s) URL", cfg.BaseURL)
		}
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	}
	if cfg.APIKey != "" {
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	}
	return &Provider{chat: sdk.NewChatCompletionService(opts...), model: cfg.Model, apiKey: cfg.APIKey}, nil
}

// Name returns "openai".
func (p *Provider) Name() string { return Name }

// Stream sends req as a streamed chat completion and emits its deltas.
//
// The SDK sends the request (auth, base URL, errors); the events are
// decoded here into a lean struct, because the SDK's reflective decoding of
// every chunk was the largest CPU cost of a turn. The decoder is
// goccy/go-json, not encoding/json: at 2,000 streams encoding/json's
// decoding of chunks was still a fifth of agentd's CPU, and go-json halves
// the cost of relaying a token (BenchmarkStreamRelay); decode_test.go
// fuzzes it against encoding/json.
func (p *Provider) Stream(ctx context.Context, req *llm.Request, emit func(llm.Delta) error) error {
	params, err := p.params(req)
	if err != nil {
		return &llm.Error{Provider: Name, Kind: llm.ErrBadRequest, Err: err}
	}
	var seen llm.SeenResponse
	var raw *http.Response
	stream := p.chat.NewStreaming(ctx, params, option.WithMiddleware(seen.Record), option.WithResponseInto(&raw))
	defer stream.Close()
	if err := stream.Err(); err != nil {
		return p.failure(ctx, err, &seen)
	}
	dec := ssestream.NewDecoder(raw)
	if dec == nil {
		return &llm.Error{Provider: Name, Kind: llm.ErrStream, Status: seen.Status, Err: errors.New("no response body")}
	}
	st := streamState{model: p.model}
	for dec.Next() {
		data := dec.Event().Data
		if bytes.HasPrefix(data, []byte("[DONE]")) {
			break
		}
		var c wireChunk
		if err := json.Unmarshal(data, &c); err != nil {
			return &llm.Error{Provider: Name, Kind: llm.ErrStream, Status: seen.Status, Err: fmt.Errorf("bad chunk: %w", err)}
		}
		if len(c.Error) > 0 && string(c.Error) != "null" {
			return p.failure(ctx, &ssestream.StreamError{Message: "received error while streaming: " + string(c.Error)}, &seen)
		}
		if err := st.chunk(&c, emit); err != nil {
			return err // emit's error, as is
		}
	}
	if err := dec.Err(); err != nil {
		return p.failure(ctx, err, &seen)
	}
	if !st.finished {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", Name, ctx.Err())
		}
		return &llm.Error{Provider: Name, Kind: llm.ErrStream, Status: seen.Status,
			Err: errors.New("the stream ended without a finish_reason")}
	}
	return nil
}
