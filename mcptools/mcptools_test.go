package mcptools_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/mcptools"
	"github.com/agentd/agentd/mcptools/mcptest"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func names(ts []agent.Tool) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	slices.Sort(out)
	return out
}

// eventually polls cond for up to 10s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
	}
}

func TestToolsFollowListChanged(t *testing.T) {
	server := mcptest.Math()
	srv := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil))
	defer srv.Close()
	set := &mcptools.Set{Servers: []*mcptools.Server{mcptools.Start(mcptools.Config{Agent: "a", Name: "m", URL: srv.URL}, quiet, mcptools.NewMetrics(nil))},
		Taken: []string{"add"}}
	defer set.Close()
	if got := names(set.Tools()); !slices.Equal(got, []string{"fail", "m_add", "wait"}) {
		t.Fatalf("tools %v: want add prefixed, since the agent has its own add", got)
	}
	server.AddTool(&mcp.Tool{Name: "mul", InputSchema: map[string]any{"type": "object"}}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "6"}}}, nil
	})
	eventually(t, "the new tool offered after list_changed", func() bool { return slices.Contains(names(set.Tools()), "mul") })
	res, err := toolNamed(set.Tools(), "mul").Run(context.Background(), agent.Call{Args: []byte(`{}`)})
	if err != nil || res.Content != "6" {
		t.Errorf("mul: %q, %v", res.Content, err)
	}
}

// A server that goes away makes the set unhealthy and withholds its
// tools; when it comes back on its address, they return.
func TestADownServerIsUnhealthyAndItsToolsWithheld(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	math := mcptest.Math()
	t.Cleanup(func() {
		if !mcptest.Ended(math, 10*time.Second) {
			t.Error("the MCP server's session outlived the test")
		}
	})
	serve := func(ln net.Listener) *httptest.Server {
		// The server side of a session ends by timing out once the test
		// cut its connection (the client's pings keep it alive until then).
		srv := httptest.NewUnstartedServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return math },
			&mcp.StreamableHTTPOptions{SessionTimeout: 3 * time.Second}))
		srv.Listener.Close()
		srv.Listener = ln
		srv.Start()
		return srv
	}
	srv := serve(ln)
	set := &mcptools.Set{Servers: []*mcptools.Server{mcptools.Start(mcptools.Config{Agent: "a", Name: "m", URL: "http://" + addr, KeepAlive: 400 * time.Millisecond}, quiet, mcptools.NewMetrics(nil))}}
	defer set.Close()
	if err := set.Health(); err != nil || len(set.Tools()) != 3 {
		t.Fatalf("health %v, tools %v", err, names(set.Tools()))
	}
	srv.CloseClientConnections()
	srv.Close()
	eventually(t, "the set unhealthy", func() bool { return set.Health() != nil })
	if got := set.Tools(); len(got) != 0 {
		t.Errorf("a down server's tools are offered: %v", names(got))
	}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("the address was taken meanwhile: %v", err)
	}
	srv = serve(ln)
	defer srv.Close()
	eventually(t, "the server back", func() bool { return set.Health() == nil && len(set.Tools()) == 3 })
}

func toolNamed(ts []agent.Tool, name string) agent.Tool {
	for _, t := range ts {
		if t.Name == name {
			return t
		}
	}
	return agent.Tool{}
}
