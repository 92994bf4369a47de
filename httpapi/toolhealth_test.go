package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/mcptools"
	"github.com/agentd/agentd/mcptools/mcptest"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// An agent whose MCP server is down is unhealthy; the instance stays ready
// and says which agent is degraded.
func TestAnAgentWithADownToolServerIsUnhealthy(t *testing.T) {
	// The server side of a session ends by timing out once the test cut
	// its connection (the client's pings keep it alive until then).
	math := mcptest.Math()
	mcpSrv := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return math },
		&mcp.StreamableHTTPOptions{SessionTimeout: 3 * time.Second}))
	t.Cleanup(func() {
		if !mcptest.Ended(math, 10*time.Second) {
			t.Error("the MCP server's session outlived the test")
		}
	})
	set := &mcptools.Set{Servers: []*mcptools.Server{mcptools.Start(mcptools.Config{Agent: "calc", Name: "math", URL: mcpSrv.URL,
		KeepAlive: 400 * time.Millisecond}, slog.New(slog.NewTextHandler(io.Discard, nil)), mcptools.NewMetrics(nil))}}
	defer set.Close()
	b := setup(t, options{agents: []*agent.Agent{counterAgent(), {Name: "calc", Toolsets: []agent.Toolset{set}}}})
	if r := b.do("GET", "/agents/calc/health", "", nil, nil); r.status != 200 {
		t.Fatalf("calc with its server up: %d %s", r.status, r.body)
	}
	if r := b.do("GET", "/readyz", "", nil, nil); r.status != 200 || !strings.Contains(string(r.body), `"ok"`) {
		t.Fatalf("/readyz with every server up: %d %s", r.status, r.body)
	}
	mcpSrv.CloseClientConnections()
	mcpSrv.Close()
	deadline := time.Now().Add(10 * time.Second)
	for set.Health() == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if r := b.do("GET", "/agents/calc/health", "", nil, nil); r.status != 503 || !strings.Contains(string(r.body), "MCP server math is down") {
		t.Errorf("calc with its server down: %d %s", r.status, r.body)
	}
	if r := b.do("GET", "/agents/sample_agent/health", "", nil, nil); r.status != 200 {
		t.Errorf("another agent: %d %s", r.status, r.body)
	}
	if r := b.do("GET", "/readyz", "", nil, nil); r.status != 200 || !strings.Contains(string(r.body), `"degraded"`) || !strings.Contains(string(r.body), `"calc"`) {
		t.Errorf("/readyz with calc's server down: %d %s", r.status, r.body)
	}
}
