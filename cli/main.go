// Package cli is agentd's command line: flags and environment to
// configuration, the choice of store and model backends, and the
// subcommands. cmd/agentd calls Main with the built-in agents; a team's own
// binary calls it with its own.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/agentd/agentd/agent"
)

const usage = `agentd serves AI agents to web frontends over the AG-UI protocol.

Usage:
  agentd serve     [flags]   run the server (see agentd serve -h)
  agentd fakellm   [flags]   run an OpenAI-compatible model simulator for load and fault tests
  agentd loadtest  [flags]   drive an AG-UI server with virtual users and report
  agentd version
`

// Version is set at build time with -ldflags "-X github.com/agentd/agentd/cli.Version=…".
var Version = "dev"

// Main runs the subcommand named by args[0] and returns the exit code.
// agents are served by "serve"; the first one is the default agent unless
// one is named sample_agent.
func Main(ctx context.Context, args []string, agents ...*agent.Agent) int {
	return run(ctx, args, os.Stdout, os.Stderr, agents)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, agents []*agent.Agent) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stderr, agents)
	case "fakellm":
		err = fakellmCommand(ctx, args[1:], stdout, stderr)
	case "loadtest":
		err = loadtestCommand(ctx, args[1:], stdout, stderr)
	case "chaosproxy": // a bench tool (bench/chaos.sh), not listed
		err = chaosproxyCommand(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "agentd", Version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "agentd: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		if err != errUsage {
			fmt.Fprintln(stderr, "agentd:", err)
		}
		return 1
	}
	return 0
}
