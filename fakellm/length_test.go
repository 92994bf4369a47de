package fakellm_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/agentd/agentd/fakellm"
)

// replyLengths sends n requests one after another (so request i gets
// sequence number i) and returns each reply's length in words (one word
// per token).
func replyLengths(t *testing.T, cfg fakellm.Config, n int, headers map[string]string) []int {
	t.Helper()
	_, url := start(t, cfg)
	out := make([]int, n)
	for i := range out {
		res := streamChat(context.Background(), t, url, chatBody(true, "hi"), headers)
		if !res.done || res.finishReason() != "stop" {
			t.Fatalf("request %d: done %v, finish %q", i, res.done, res.finishReason())
		}
		out[i] = len(strings.Fields(res.text()))
	}
	return out
}

func TestReplyJitter_SpreadsWithinBounds(t *testing.T) {
	t.Parallel()
	got := replyLengths(t, fakellm.Config{ReplyTokens: 20, ReplyJitter: 0.5, Seed: 7}, 60, nil)
	distinct := map[int]bool{}
	for i, n := range got {
		if n < 10 || n > 30 {
			t.Errorf("request %d: %d tokens, want within [10, 30]", i, n)
		}
		distinct[n] = true
	}
	// 60 uniform draws over 21 values: fewer than 8 distinct lengths or a
	// narrow range means the spread is not applied.
	if len(distinct) < 8 || slices.Max(got)-slices.Min(got) < 10 {
		t.Errorf("lengths %v: %d distinct, range %d..%d; want a spread over [10, 30]",
			got, len(distinct), slices.Min(got), slices.Max(got))
	}
}

func TestReplyJitter_SameSeedSameLengths(t *testing.T) {
	t.Parallel()
	cfg := fakellm.Config{ReplyTokens: 40, ReplyJitter: 0.5, Seed: 11}
	a := replyLengths(t, cfg, 20, nil)
	b := replyLengths(t, cfg, 20, nil)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different lengths:\n%v\n%v", a, b)
	}
	cfg.Seed = 12
	if c := replyLengths(t, cfg, 20, nil); slices.Equal(a, c) {
		t.Errorf("seeds 11 and 12 gave the same lengths %v", a)
	}
}

func TestReplyJitter_ZeroKeepsExactLength(t *testing.T) {
	t.Parallel()
	for i, n := range replyLengths(t, fakellm.Config{ReplyTokens: 17, Seed: 7}, 20, nil) {
		if n != 17 {
			t.Errorf("request %d: %d tokens, want exactly 17", i, n)
		}
	}
}

func TestReplyJitter_Header(t *testing.T) {
	t.Parallel()
	got := replyLengths(t, fakellm.Config{ReplyTokens: 20, Seed: 7}, 30, map[string]string{fakellm.HeaderTokensJitter: "0.5"})
	if slices.Min(got) < 10 || slices.Max(got) > 30 || slices.Min(got) == slices.Max(got) {
		t.Errorf("with %s: 0.5 lengths %v, want varied within [10, 30]", fakellm.HeaderTokensJitter, got)
	}
}

func TestReplyJitter_MaxTokensStillCaps(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{ReplyTokens: 20, ReplyJitter: 0.5, Seed: 7})
	body := chatBody(true, "hi")
	body["max_tokens"] = 9 // below the shortest possible reply (10)
	for i := range 10 {
		res := streamChat(context.Background(), t, url, body, nil)
		if got := len(strings.Fields(res.text())); got != 9 || res.finishReason() != "length" {
			t.Errorf("request %d: %d words, finish %q; want 9 and length", i, got, res.finishReason())
		}
	}
}

func TestReplyJitter_AtLeastOneToken(t *testing.T) {
	t.Parallel()
	for i, n := range replyLengths(t, fakellm.Config{ReplyTokens: 2, ReplyJitter: 1, Seed: 7}, 30, nil) {
		if n < 1 || n > 4 {
			t.Errorf("request %d: %d tokens, want within [1, 4]", i, n)
		}
	}
}
