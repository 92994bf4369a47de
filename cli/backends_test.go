package cli

import (
	"io"
	"log/slog"
	"strings"
	"testing"
)

// With no key and no --model the default is the demo model; sim stays
// available by name for the benchmarks and tests.
func TestModelDefaultsToDemoWithoutAKey(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("ANTHROPIC_API_KEY", "")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for args, want := range map[string]string{"": "demo", "--model demo": "demo", "--model sim": "sim"} {
		c, err := parseServe(strings.Fields(args), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		m, err := newModel(c, log)
		if err != nil || m.Name() != want {
			t.Errorf("%q: model %v, err %v; want %s", args, m, err, want)
		}
	}
	c, err := parseServe([]string{"--model", "gpt"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newModel(c, log); err == nil || !strings.Contains(err.Error(), "want demo, sim,") {
		t.Errorf("unknown model: err %v", err)
	}
}
