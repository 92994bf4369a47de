package fakellm

import (
	"fmt"
	"time"
)

// ToolMode says when the simulated model calls a tool.
type ToolMode string

const (
	// ToolsOnCue calls a tool when the last user message names one of the
	// request's tools.
	ToolsOnCue ToolMode = "cue"
	// ToolsAlways calls the first tool (or the named one) whenever the last
	// message is from the user and the request declares tools.
	ToolsAlways ToolMode = "always"
	// ToolsNever only ever answers with text.
	ToolsNever ToolMode = "never"
)

// Faults are the rates, each in [0, 1], at which requests fail. They are
// exclusive: one draw per request picks at most one fault, so the rates
// must add up to at most 1.
type Faults struct {
	RateLimit   float64 // 429 with Retry-After
	ServerError float64 // 500
	Hang        float64 // headers, then nothing until the client gives up
	Cut         float64 // the connection drops mid-stream, without finish_reason or [DONE]
	BadToolJSON float64 // a tool call whose arguments are not valid JSON (needs a request with tools)
}

// Config shapes the simulated model. The zero value answers instantly with
// DefaultReplyTokens tokens; see DefaultConfig for the command's defaults.
type Config struct {
	TTFT         time.Duration // time to first token
	TokensPerSec float64       // 0 means as fast as possible
	ReplyTokens  int           // tokens in a text reply; 0 means DefaultReplyTokens
	Jitter       float64       // each delay is scaled by a factor drawn from [1-Jitter, 1+Jitter]
	ReplyJitter  float64       // each reply's length is drawn from ReplyTokens×[1-ReplyJitter, 1+ReplyJitter], at least 1
	Tools        ToolMode      // "" means ToolsOnCue
	ArgChunks    int           // chunks a tool call's arguments are split over; 0 means 4
	RetryAfter   time.Duration // Retry-After sent with a 429; 0 means 1s
	Faults       Faults
	Seed         int64
	Models       []string // listed by /v1/models; nil means {"fakellm"}
}

// Defaults applied when a Config field is zero.
const (
	DefaultReplyTokens = 50
	defaultArgChunks   = 4
	defaultRetryAfter  = time.Second
)

// DefaultConfig is a model that feels like a fast hosted one.
func DefaultConfig() Config {
	return Config{
		TTFT:         300 * time.Millisecond,
		TokensPerSec: 50,
		ReplyTokens:  DefaultReplyTokens,
		Jitter:       0.1,
		Tools:        ToolsOnCue,
	}
}

// Validate names the first field that is out of range.
func (c *Config) Validate() error {
	switch {
	case c.TTFT < 0:
		return fmt.Errorf("fakellm: ttft must not be negative, got %s", c.TTFT)
	case c.TokensPerSec < 0:
		return fmt.Errorf("fakellm: tokens per second must not be negative, got %g", c.TokensPerSec)
	case c.ReplyTokens < 0:
		return fmt.Errorf("fakellm: reply tokens must not be negative, got %d", c.ReplyTokens)
	case c.Jitter < 0 || c.Jitter > 1:
		return fmt.Errorf("fakellm: jitter must be in [0, 1], got %g", c.Jitter)
	case !(c.ReplyJitter >= 0 && c.ReplyJitter <= 1): // also rejects NaN
		return fmt.Errorf("fakellm: reply tokens jitter must be in [0, 1], got %g", c.ReplyJitter)
	case c.ArgChunks < 0:
		return fmt.Errorf("fakellm: arg chunks must not be negative, got %d", c.ArgChunks)
	case c.RetryAfter < 0:
		return fmt.Errorf("fakellm: retry-after must not be negative, got %s", c.RetryAfter)
	}
	switch c.Tools {
	case "", ToolsOnCue, ToolsAlways, ToolsNever:
	default:
		return fmt.Errorf("fakellm: tool mode must be cue, always or never, got %q", c.Tools)
	}
	return c.Faults.validate()
}

func (f *Faults) validate() error {
	sum := 0.0
	for _, r := range []struct {
		name string
		v    float64
	}{
		{"429", f.RateLimit}, {"500", f.ServerError}, {"hang", f.Hang},
		{"cut", f.Cut}, {"bad tool JSON", f.BadToolJSON},
	} {
		if r.v < 0 || r.v > 1 {
			return fmt.Errorf("fakellm: %s fault rate must be in [0, 1], got %g", r.name, r.v)
		}
		sum += r.v
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("fakellm: fault rates add up to %g, more than 1", sum)
	}
	return nil
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.ReplyTokens == 0 {
		c.ReplyTokens = DefaultReplyTokens
	}
	if c.Tools == "" {
		c.Tools = ToolsOnCue
	}
	if c.ArgChunks == 0 {
		c.ArgChunks = defaultArgChunks
	}
	if c.RetryAfter == 0 {
		c.RetryAfter = defaultRetryAfter
	}
	if len(c.Models) == 0 {
		c.Models = []string{"fakellm"}
	}
	return c
}
