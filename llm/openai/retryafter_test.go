package openai

import (
	"net/http"
	"testing"
	"time"
)

// TestRetryAfter covers OpenAI's Retry-After-Ms on top of the standard
// Retry-After, which package llm tests: a usable Retry-After-Ms wins, and
// an unusable one falls back to Retry-After.
func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for ms, want := range map[string]time.Duration{
		"":      9 * time.Second,
		"250.5": 250500 * time.Microsecond,
		"1500":  1500 * time.Millisecond,
		"NaN":   9 * time.Second,
		"-5":    9 * time.Second,
		"0":     9 * time.Second,
		"Inf":   9 * time.Second,
		"1e300": 9 * time.Second, // overflows a Duration
		"soon":  9 * time.Second,
	} {
		h := http.Header{"Retry-After": {"9"}}
		if ms != "" {
			h.Set("Retry-After-Ms", ms)
		}
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(Retry-After-Ms %q, Retry-After 9) = %v, want %v", ms, got, want)
		}
	}
	if got := retryAfter(http.Header{"Retry-After-Ms": {"Inf"}}, now); got != 0 {
		t.Errorf("retryAfter(Retry-After-Ms Inf alone) = %v, want 0", got)
	}
}
