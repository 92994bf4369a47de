package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"

	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/anthropic"
	"github.com/agentd/agentd/llm/demo"
	"github.com/agentd/agentd/llm/openai"
	"github.com/agentd/agentd/llm/sim"
	"github.com/agentd/agentd/store"
	"github.com/agentd/agentd/store/postgres"
	"github.com/agentd/agentd/store/sqlite"
)

// Default models when a key is set and --model is not.
const (
	defaultOpenAIModel    = "gpt-4.1-mini"
	defaultAnthropicModel = "claude-sonnet-4-5"
)

// openStore picks the store from its URL's scheme. embedded reports a
// store only this process uses, whose running runs at start-up are orphans.
func openStore(ctx context.Context, url string) (s store.Store, embedded bool, err error) {
	switch {
	case strings.HasPrefix(url, "sqlite://"):
		path := strings.TrimPrefix(url, "sqlite://")
		st, err := sqlite.Open(ctx, path, sqlite.Options{})
		return st, true, err
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		st, err := postgres.Open(ctx, url, postgres.Options{})
		return st, false, err
	}
	return nil, false, fmt.Errorf("--store %q: want sqlite:///path/to.db or postgres://user@host/db", redact(url))
}

// newModel builds the default model from --model and the keys.
func newModel(c *serveConfig, log *slog.Logger) (llm.Provider, error) {
	spec := c.Model
	if spec == "" {
		switch {
		case c.OpenAIKey != "":
			spec = "openai:" + defaultOpenAIModel
		case c.AnthropicKey != "":
			spec = "anthropic:" + defaultAnthropicModel
		default:
			spec = "demo"
			log.Info("no OPENAI_API_KEY or ANTHROPIC_API_KEY: using the offline demo model 'demo' (--model sim for the plain simulated one)")
		}
	}
	return modelFor(c, spec)
}

// modelFor builds the model a --model spec names.
func modelFor(c *serveConfig, spec string) (llm.Provider, error) {
	kind, name, _ := strings.Cut(spec, ":")
	simulated := sim.New(sim.Config{FirstToken: c.SimFirstToken, TokensPerSecond: c.SimTPS, ReplyTokens: c.SimTokens})
	switch kind {
	case "demo":
		// Agents other than the demo one get sim's answers.
		return demo.New(demo.Config{Fallback: simulated}), nil
	case "sim":
		return simulated, nil
	case "openai":
		if c.OpenAIKey == "" && c.OpenAIBaseURL == "" {
			return nil, fmt.Errorf("--model %s needs OPENAI_API_KEY (or --openai-base-url for a local server)", spec)
		}
		return openai.New(openai.Config{APIKey: c.OpenAIKey, BaseURL: c.OpenAIBaseURL, Model: name})
	case "anthropic":
		if c.AnthropicKey == "" {
			return nil, fmt.Errorf("--model %s needs ANTHROPIC_API_KEY", spec)
		}
		return anthropic.New(anthropic.Config{APIKey: c.AnthropicKey, Model: name})
	}
	return nil, fmt.Errorf("--model %q: want demo, sim, openai:MODEL or anthropic:MODEL", spec)
}

// redact hides a URL's secrets for logs and errors: the userinfo password
// and the value of every query parameter whose name looks secret
// (password=, sslpassword=, token=, …). What does not parse as a URL, or
// parses with a stray '@' (a password holding a bare '/', '?' or '#'), is
// hidden but for its scheme, since its parts cannot be told apart.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || strings.Contains(u.Path+u.RawQuery+u.Fragment, "@") {
		if !strings.ContainsAny(raw, "@=:") {
			return raw // a bare path
		}
		if m := schemeRE.FindString(raw); m != "" {
			return m + "xxxxx"
		}
		return "xxxxx"
	}
	if u.RawQuery != "" {
		pairs := strings.Split(u.RawQuery, "&")
		for i, p := range pairs {
			k, _, _ := strings.Cut(p, "=")
			if name, err := url.QueryUnescape(k); err != nil || secretParam(name) {
				pairs[i] = k + "=xxxxx"
			}
		}
		u.RawQuery = strings.Join(pairs, "&")
	}
	return u.Redacted() // the userinfo password too
}

var schemeRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*://`)

func secretParam(name string) bool {
	name = strings.ToLower(name)
	for _, w := range []string{"pass", "pwd", "secret", "token", "key", "auth", "credential"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}
