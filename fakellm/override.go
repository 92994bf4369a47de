package fakellm

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Request headers that override the configuration for one request, so a
// test can shape each call without restarting the simulator.
const (
	HeaderTTFT         = "X-Fakellm-Ttft"          // duration, e.g. "250ms"
	HeaderTPS          = "X-Fakellm-Tps"           // tokens per second, 0 = unpaced
	HeaderTokens       = "X-Fakellm-Tokens"        // reply length in tokens
	HeaderJitter       = "X-Fakellm-Jitter"        // in [0, 1]
	HeaderTokensJitter = "X-Fakellm-Tokens-Jitter" // reply length spread, in [0, 1]
	HeaderTools        = "X-Fakellm-Tools"         // cue | always | never
	HeaderFault        = "X-Fakellm-Fault"         // none | 429 | 500 | hang | cut | bad_tool_json
	HeaderRetryAfter   = "X-Fakellm-Retry-After"   // duration sent with a 429
)

// applyOverrides returns cfg changed by the request's X-Fakellm-* headers
// and the fault the request forces, if any.
func applyOverrides(cfg Config, h http.Header) (Config, Fault, bool, error) {
	var err error
	dur := func(name string, dst *time.Duration) {
		if v := h.Get(name); v != "" && err == nil {
			var d time.Duration
			if d, err = time.ParseDuration(v); err == nil {
				*dst = d
			} else {
				err = fmt.Errorf("header %s: %v", name, err)
			}
		}
	}
	num := func(name string, dst *float64) {
		if v := h.Get(name); v != "" && err == nil {
			var f float64
			if f, err = strconv.ParseFloat(v, 64); err == nil {
				*dst = f
			} else {
				err = fmt.Errorf("header %s: %v", name, err)
			}
		}
	}
	dur(HeaderTTFT, &cfg.TTFT)
	dur(HeaderRetryAfter, &cfg.RetryAfter)
	num(HeaderTPS, &cfg.TokensPerSec)
	num(HeaderJitter, &cfg.Jitter)
	num(HeaderTokensJitter, &cfg.ReplyJitter)
	if v := h.Get(HeaderTokens); v != "" && err == nil {
		if cfg.ReplyTokens, err = strconv.Atoi(v); err != nil {
			err = fmt.Errorf("header %s: %v", HeaderTokens, err)
		}
	}
	if v := h.Get(HeaderTools); v != "" {
		cfg.Tools = ToolMode(v)
	}
	if err != nil {
		return cfg, "", false, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, "", false, err
	}
	v := h.Get(HeaderFault)
	if v == "" {
		return cfg, "", false, nil
	}
	f, err := ParseFault(v)
	return cfg, f, err == nil, err
}
