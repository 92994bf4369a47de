package fakellm

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// plan is everything decided about one request before a byte is written.
type plan struct {
	cfg    Config
	fault  Fault
	tool   int    // index into the request's tools, -1 for a text reply
	args   string // the tool call's arguments (invalid JSON under FaultBadToolJSON)
	tokens int    // text tokens to send
	finish string // "stop", "length" or "tool_calls"
	rng    *rand.Rand
}

// newPlan decides the request's fault, reply kind and length. The draws come
// from a generator keyed by (seed, seq), so the same request number always
// gets the same decisions whatever the timing between requests.
func newPlan(cfg Config, req *chatRequest, seq uint64, forced Fault, isForced bool) *plan {
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), seq))
	p := &plan{cfg: cfg, tool: -1, rng: rng, finish: "stop"}
	p.fault = cfg.Faults.pick(rng.Float64())
	if isForced {
		p.fault = forced
	}
	p.tool = chooseTool(cfg.Tools, req)
	if p.fault == FaultBadToolJSON {
		if len(req.Tools) == 0 {
			p.fault = FaultNone // nothing to call: the fault cannot apply
		} else if p.tool < 0 {
			p.tool = 0
		}
	}
	if p.tool >= 0 {
		p.finish = "tool_calls"
		p.args = toolArgs(req.Tools[p.tool].Function.Parameters, rng)
		if p.fault == FaultBadToolJSON {
			p.args = corruptJSON(p.args)
		}
		return p
	}
	p.tokens = replyLength(cfg.ReplyTokens, cfg.ReplyJitter, rng)
	if m := req.maxTokens(); m > 0 && m < p.tokens {
		p.tokens, p.finish = m, "length"
	}
	return p
}

// replyLength draws a length uniformly from n×[1-j, 1+j], at least 1. It
// draws nothing when j is 0, so other decisions stay as they were.
func replyLength(n int, j float64, rng *rand.Rand) int {
	d := int(math.Round(float64(n) * j))
	if d == 0 {
		return n
	}
	lo := max(n-d, 1)
	return lo + rng.IntN(n+d-lo+1)
}

// chooseTool returns the index of the tool to call, or -1.
func chooseTool(mode ToolMode, req *chatRequest) int {
	if len(req.Tools) == 0 || mode == ToolsNever || req.toolChoiceNone() {
		return -1
	}
	if name := namedToolChoice(req.ToolChoice); name != "" {
		for i, t := range req.Tools {
			if t.Function.Name == name {
				return i
			}
		}
	}
	text, ok := req.lastUser()
	if !ok {
		return -1 // answer a tool result with text, or the agent would loop
	}
	for i, t := range req.Tools {
		if strings.Contains(text, t.Function.Name) {
			return i
		}
	}
	if mode == ToolsAlways || strings.TrimSpace(string(req.ToolChoice)) == `"required"` {
		return 0
	}
	return -1
}

// namedToolChoice reads {"type":"function","function":{"name":…}}.
func namedToolChoice(raw json.RawMessage) string {
	var tc struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &tc) != nil {
		return ""
	}
	return tc.Function.Name
}

// delay scales d by a jitter factor in [1-j, 1+j].
func (p *plan) delay(d time.Duration) time.Duration {
	if p.cfg.Jitter == 0 || d == 0 {
		return d
	}
	f := 1 + p.cfg.Jitter*(2*p.rng.Float64()-1)
	return time.Duration(float64(d) * f)
}

// tokenInterval is the time between two tokens, before jitter.
func (p *plan) tokenInterval() time.Duration {
	if p.cfg.TokensPerSec == 0 {
		return 0
	}
	return time.Duration(float64(time.Second) / p.cfg.TokensPerSec)
}
