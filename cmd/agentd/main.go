// Command agentd serves AI agents to web frontends over the AG-UI protocol.
// Run "agentd serve" for the server; "agentd help" lists the subcommands.
package main

import (
	"context"
	"os"

	"github.com/agentd/agentd/agent/demo"
	"github.com/agentd/agentd/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], demo.Agent()))
}
