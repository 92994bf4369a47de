package cli

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestServeLimitFlags(t *testing.T) {
	t.Setenv("AGENTD_MAX_THREAD_BYTES", "4096")
	c, err := parseServe([]string{"--max-messages", "50", "--body-timeout", "5s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxMessages != 50 || c.BodyTimeout != 5*time.Second || c.MaxThreadBytes != 4096 || c.MaxIDBytes != 128 {
		t.Fatalf("parsed %+v", c)
	}
	for _, args := range [][]string{
		{"--max-id-bytes", "8"}, {"--max-messages", "0"}, {"--max-thread-messages", "0"}, {"--max-tools", "-1"},
		{"--max-message-bytes", "10"}, {"--max-state-bytes", "10"}, {"--max-thread-bytes", "10"},
		{"--body-timeout", "0s"}, {"--max-rejoins-per-run", "0"}, {"--max-rejoins-per-user", "0"},
	} {
		_, err := parseServe(args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("%v: error %v, want one naming %s", args, err, args[0])
		}
	}
}
