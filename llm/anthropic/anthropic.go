// Package anthropic is the llm.Provider for the Anthropic Messages API,
// built on the official anthropic-sdk-go. It streams one turn per call and
// reports failures as *llm.Error; it never retries, because retries belong
// to the caller's budget and backoff.
package anthropic

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/agentd/agentd/llm"
)

// Name is the provider's label.
const Name = "anthropic"

// DefaultMaxTokens caps a turn's output when Config.MaxTokens is 0; the
// API requires a cap.
const DefaultMaxTokens = 4096

// Config configures a Provider.
type Config struct {
	APIKey    string // sent by the SDK as a bearer token
	BaseURL   string // empty means api.anthropic.com
	Model     string // required
	MaxTokens int    // output cap per turn; 0 means DefaultMaxTokens
	// HTTPClient carries the requests; nil means llm.HTTPClient(). Give
	// it no Timeout: a stream lasts as long as the turn, and the caller's
	// context bounds it.
	HTTPClient *http.Client
}

// Provider streams messages.
type Provider struct {
	client    sdk.Client
	model     string
	maxTokens int
	apiKey    string // only to redact it from error messages
}

var _ llm.Provider = (*Provider)(nil)

// New returns a Provider for cfg. It does not contact the server.
func New(cfg Config) (*Provider, error) {
	if cfg.Model == "" {
		return nil, errors.New("anthropic: Model is required")
	}
	if cfg.MaxTokens < 0 {
		return nil, fmt.Errorf("anthropic: MaxTokens %d is negative", cfg.MaxTokens)
	}
	maxTokens := cfg.MaxTokens
	if maxTokens == 0 {
		maxTokens = DefaultMaxTokens
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = llm.HTTPClient()
	}
	// WithoutEnvironmentDefaults keeps ANTHROPIC_API_KEY, profiles and
	// ANTHROPIC_BASE_URL out: the configuration is the only source.
	opts := []option.RequestOption{
		option.WithoutEnvironmentDefaults(),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(0),
	}
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("anthropic: BaseURL %q is not an absolute http(s) URL", cfg.BaseURL)
		}
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	}
	if cfg.APIKey != "" {
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	}
	return &Provider{client: sdk.NewClient(opts...), model: cfg.Model, maxTokens: maxTokens, apiKey: cfg.APIKey}, nil
}

// Name returns "anthropic".
func (p *Provider) Name() string { return Name }

// Stream sends req as a streamed message and emits its deltas.
func (p *Provider) Stream(ctx context.Context, req *llm.Request, emit func(llm.Delta) error) error {
	params, err := p.params(req)
	if err != nil {
		return &llm.Error{Provider: Name, Kind: llm.ErrBadRequest, Err: err}
	}
	var seen llm.SeenResponse
	stream := p.client.Messages.NewStreaming(ctx, params, option.WithMiddleware(seen.Record))
	defer stream.Close()

	st := streamState{model: p.model}
	for stream.Next() {
		if err := st.event(stream.Current(), emit); err != nil {
			return err // emit's error as is, or a malformed stream
		}
	}
	if err := stream.Err(); err != nil {
		return p.failure(ctx, err, &seen)
	}
	if !st.stopped {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", Name, ctx.Err())
		}
		return &llm.Error{Provider: Name, Kind: llm.ErrStream, Status: seen.Status,
			Err: errors.New("the stream ended without message_stop")}
	}
	return nil
}
