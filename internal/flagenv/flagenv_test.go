package flagenv_test

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/flagenv"
)

func TestEnvSetsFlagsAndTheCommandLineWins(t *testing.T) {
	t.Setenv("X_RUN_TIMEOUT", "3s")
	t.Setenv("X_ADDR", "from-env")
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	timeout := fs.Duration("run-timeout", time.Minute, "")
	addr := fs.String("addr", "default", "")
	if err := flagenv.Defaults(fs, "X_"); err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse([]string{"--addr", "from-flag"}); err != nil {
		t.Fatal(err)
	}
	if *timeout != 3*time.Second || *addr != "from-flag" {
		t.Fatalf("timeout %v addr %q", *timeout, *addr)
	}
}

func TestBadValueNamesTheVariable(t *testing.T) {
	t.Setenv("X_RUN_TIMEOUT", "soon")
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.Duration("run-timeout", time.Minute, "")
	err := flagenv.Defaults(fs, "X_")
	if err == nil || !strings.Contains(err.Error(), "X_RUN_TIMEOUT") {
		t.Fatalf("err %v", err)
	}
}
