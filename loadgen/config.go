package loadgen

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/agentd/agentd/agui"
)

// HistoryMode says what a turn sends.
type HistoryMode string

const (
	// HistoryFull sends the whole conversation, as CopilotKit does.
	HistoryFull HistoryMode = "full"
	// HistoryNew sends only the messages the server has not acknowledged
	// yet (the new user message, tool results, and anything a rejected
	// turn failed to deliver), for servers that keep threads durably.
	HistoryNew HistoryMode = "new"
)

// Config is one load run.
type Config struct {
	URLs        []string      // targets, used round robin per turn
	Users       int           // virtual users
	RampUp      time.Duration // users start evenly spread over this time
	Turns       int           // turns per user
	ThinkTime   time.Duration // pause between a user's turns
	ThinkJitter float64       // think time is scaled by a factor in [1-j, 1+j]
	History     HistoryMode
	TurnTimeout time.Duration // a turn that takes longer is a timeout
	Duration    time.Duration // no turn starts after this; the run ends by Duration+TurnTimeout
	MaxTurns    int           // cap on turns over all users; 0 means Users*Turns
	Prompts     []string      // user messages, cycled; nil means DefaultPrompts
	Tools       []agui.Tool   // client tools to declare; their calls are answered on the next turn
	Header      http.Header   // extra request headers (authorization, x-*)
	Interval    time.Duration // time series resolution; 0 means 1s
	PID         int           // server process to sample (RSS, CPU); 0 means none
	Seed        int64         // think-time jitter
	Client      *http.Client  // nil means a client sized for Users connections
	Progress    io.Writer     // receives a live status line each interval; nil means none
	Retry       int           // further run requests after a 429/503 (or a connection never made), each to the next URL after Retry-After; 0 is off
	Rejoin      int           // rejoins of a dropped stream (GET /runs/{runId}/events with Last-Event-ID), each on the next URL; 0 is off
	Verify      bool          // after the run, read every thread back (GET /threads/{id}) and count finished turns it lacks
}

// DefaultPrompts ask for what the target application serves: short
// analyses and charts.
var DefaultPrompts = []string{
	"Plot monthly revenue for the last year as a bar chart.",
	"Which region grew fastest last quarter? Show a line chart.",
	"Summarise the orders table and chart the top five products.",
	"Compare this week's signups with last week's.",
}

// DefaultConfig is a small run: 10 users, 3 turns each.
func DefaultConfig() Config {
	return Config{
		Users:       10,
		Turns:       3,
		RampUp:      5 * time.Second,
		ThinkTime:   2 * time.Second,
		ThinkJitter: 0.5,
		History:     HistoryFull,
		TurnTimeout: 60 * time.Second,
		Duration:    2 * time.Minute,
		Interval:    time.Second,
	}
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	if len(c.URLs) == 0 {
		return fmt.Errorf("loadgen: at least one target URL is required")
	}
	for _, raw := range c.URLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("loadgen: target %q is not an http(s) URL", raw)
		}
	}
	switch {
	case c.Users < 1:
		return fmt.Errorf("loadgen: users must be at least 1, got %d", c.Users)
	case c.Turns < 1:
		return fmt.Errorf("loadgen: turns per user must be at least 1, got %d", c.Turns)
	case c.RampUp < 0 || c.ThinkTime < 0:
		return fmt.Errorf("loadgen: ramp-up and think time must not be negative")
	case c.ThinkJitter < 0 || c.ThinkJitter > 1:
		return fmt.Errorf("loadgen: think jitter must be in [0, 1], got %g", c.ThinkJitter)
	case c.TurnTimeout <= 0:
		return fmt.Errorf("loadgen: turn timeout must be positive, got %s", c.TurnTimeout)
	case c.Duration <= 0:
		return fmt.Errorf("loadgen: duration must be positive, got %s", c.Duration)
	case c.MaxTurns < 0:
		return fmt.Errorf("loadgen: max turns must not be negative, got %d", c.MaxTurns)
	case c.Interval < 0:
		return fmt.Errorf("loadgen: interval must not be negative, got %s", c.Interval)
	case c.PID < 0:
		return fmt.Errorf("loadgen: pid must not be negative, got %d", c.PID)
	case c.Retry < 0 || c.Rejoin < 0:
		return fmt.Errorf("loadgen: retry and rejoin attempts must not be negative")
	}
	switch c.History {
	case HistoryFull, HistoryNew:
	default:
		return fmt.Errorf("loadgen: history must be full or new, got %q", c.History)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.MaxTurns == 0 {
		c.MaxTurns = c.Users * c.Turns
	}
	if len(c.Prompts) == 0 {
		c.Prompts = DefaultPrompts
	}
	if c.Interval == 0 {
		c.Interval = time.Second
	}
	if c.Client == nil {
		c.Client = newClient(c.Users)
	}
	return c
}
