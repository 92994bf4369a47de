// Command mcpmath is a small MCP server over stdio, the one
// examples/agents.yaml starts: tools add, fail and wait. With
// MCPMATH_PIDFILE set it writes its process id there (tests kill it).
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"strconv"

	"github.com/agentd/agentd/mcptools/mcptest"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func main() {
	if f := os.Getenv("MCPMATH_PIDFILE"); f != "" {
		if err := os.WriteFile(f, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Fprintln(os.Stderr, "mcpmath: serving on stdio") // agentd logs a server's stderr
	if err := mcptest.Math().Run(context.Background(), &mcp.StdioTransport{}); err != nil {
		log.Fatal(err)
	}
}
