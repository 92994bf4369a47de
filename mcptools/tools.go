package mcptools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/agentd/agentd/agent"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Set is the tools of an agent's MCP servers, one agent.Toolset. A tool
// name offered by more than one server, or taken by one of the agent's own
// tools, is prefixed with its server's name: "math_add".
type Set struct {
	Servers []*Server
	// Taken are the names of the agent's own tools.
	Taken []string
}

// Tools are the tools of the servers that are up.
func (s *Set) Tools() []agent.Tool {
	type offer struct {
		srv  *Server
		sess *mcp.ClientSession
		tool *mcp.Tool
	}
	var offers []offer
	count := map[string]int{}
	for _, n := range s.Taken {
		count[n]++
	}
	for _, srv := range s.Servers {
		sess, tools := srv.current()
		for _, t := range tools {
			offers = append(offers, offer{srv, sess, t})
			count[t.Name]++
		}
	}
	out := make([]agent.Tool, 0, len(offers))
	for _, o := range offers {
		name := o.tool.Name
		if count[name] > 1 {
			name = o.srv.cfg.Name + "_" + name
		}
		out = append(out, o.srv.tool(name, o.sess, o.tool))
	}
	return out
}

// Health reports the first server that is down.
func (s *Set) Health() error {
	for _, srv := range s.Servers {
		if err := srv.Health(); err != nil {
			return err
		}
	}
	return nil
}

// Close stops every server.
func (s *Set) Close() {
	for _, srv := range s.Servers {
		srv.Close()
	}
}

// tool offers t, as listed by sess, under name.
func (s *Server) tool(name string, sess *mcp.ClientSession, t *mcp.Tool) agent.Tool {
	params, err := json.Marshal(t.InputSchema)
	if err != nil || string(params) == "null" {
		params = json.RawMessage(`{"type":"object"}`)
	}
	return agent.Tool{Name: name, Description: t.Description, Parameters: params, Timeout: s.cfg.Timeout, SoftTimeout: true,
		Run: func(ctx context.Context, c agent.Call) (agent.Result, error) {
			return s.call(ctx, sess, t.Name, c.Args)
		}}
}

// call runs one tool call. Every failure is an error the agent loop hands
// the model as the tool's result.
func (s *Server) call(ctx context.Context, sess *mcp.ClientSession, name string, args json.RawMessage) (agent.Result, error) {
	if cur, _ := s.current(); cur != sess {
		s.count("unavailable")
		return agent.Result{}, fmt.Errorf("MCP server %s restarted or went down during the run; try again", s.cfg.Name)
	}
	res, err := sess.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	switch {
	case err != nil && ctx.Err() != nil:
		s.count("timeout")
		return agent.Result{}, fmt.Errorf("MCP server %s: %w", s.cfg.Name, ctx.Err())
	case err != nil:
		s.count("transport_error")
		return agent.Result{}, fmt.Errorf("MCP server %s: %w", s.cfg.Name, err)
	}
	text := content(res)
	if res.IsError {
		s.count("tool_error")
		if text == "" {
			text = "the tool failed"
		}
		return agent.Result{}, errors.New(text)
	}
	s.count("ok")
	return agent.Text(text), nil
}

func (s *Server) count(outcome string) {
	s.metrics.calls.WithLabelValues(s.cfg.Agent, s.cfg.Name, outcome).Inc()
}

// content is what the model reads of a result: its text parts, other
// parts as their JSON, or the structured content when there are none.
func content(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, t.Text)
			continue
		}
		if b, err := json.Marshal(c); err == nil {
			parts = append(parts, string(b))
		}
	}
	if len(parts) == 0 && res.StructuredContent != nil {
		if b, err := json.Marshal(res.StructuredContent); err == nil {
			parts = append(parts, string(b))
		}
	}
	return strings.Join(parts, "\n")
}
