// Package mcptest has a small MCP server for tests and examples: tools that
// add numbers, fail on request and wait, written with the MCP Go SDK.
package mcptest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type addArgs struct {
	A float64 `json:"a" jsonschema:"the first number"`
	B float64 `json:"b" jsonschema:"the second number"`
}

type failArgs struct {
	Message string `json:"message" jsonschema:"what the error says"`
}

type waitArgs struct {
	Seconds float64 `json:"seconds" jsonschema:"how long to wait"`
}

// Math returns a server with the tools add (its answer repeats the
// arguments it got: "2 + 3 = 5"), fail (an isError result) and wait.
func Math() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "math", Version: "1.0.0"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "add", Description: "Adds two numbers"},
		func(_ context.Context, _ *mcp.CallToolRequest, a addArgs) (*mcp.CallToolResult, any, error) {
			return text(fmt.Sprintf("%g + %g = %g", a.A, a.B, a.A+a.B)), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "fail", Description: "Fails with the given message"},
		func(_ context.Context, _ *mcp.CallToolRequest, a failArgs) (*mcp.CallToolResult, any, error) {
			return nil, nil, errors.New(a.Message) // the SDK makes it an isError result
		})
	mcp.AddTool(s, &mcp.Tool{Name: "wait", Description: "Waits, then says so"},
		func(ctx context.Context, _ *mcp.CallToolRequest, a waitArgs) (*mcp.CallToolResult, any, error) {
			select {
			case <-time.After(time.Duration(a.Seconds * float64(time.Second))):
				return text("waited"), nil, nil
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
		})
	return s
}

func text(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}

// Ended waits up to d for every session of s to end, and reports whether
// they did: a test's HTTP server side outlives a connection the test cut
// until its session timeout.
func Ended(s *mcp.Server, d time.Duration) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(10 * time.Millisecond) {
		open := false
		for range s.Sessions() {
			open = true
		}
		if !open {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}
