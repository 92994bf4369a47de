package demo

import (
	"encoding/json"
	"strings"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm"
)

// The demo agent's server tools and the frontend tools it uses.
const (
	queryData         = "query_data"
	planVisualization = "plan_visualization"
	manageTodos       = "manage_todos"
	getTodos          = "get_todos"
	generateForm      = "generate_form"
	barChart          = "barChart"
	pieChart          = "pieChart"
	widgetRenderer    = "widgetRenderer"
	showNotice        = "showNotice"
)

// call is one tool call of the conversation and its result.
type call struct {
	name, args string
	result     string // the tool message's text
	err        string // its error, when the tool failed
	user       string // the user's words the call answered
}

func (c *call) failed() bool { return c.err != "" }

// bind decodes the call's arguments.
func (c *call) bind(v any) bool { return json.Unmarshal([]byte(c.args), v) == nil }

// decode decodes the call's result.
func (c *call) decode(v any) bool { return json.Unmarshal([]byte(c.result), v) == nil }

// conversation is what the model reads of a request.
type conversation struct {
	msgs  []agui.Message
	size  int // bytes of text, for the usage estimate
	tools map[string]llm.Tool
	// text is the last user message; calls are the tool calls made since,
	// in order; earlier are the calls before it, oldest first.
	text    string
	calls   []*call
	earlier []*call
}

func read(req *llm.Request) *conversation {
	c := &conversation{msgs: req.Messages, tools: map[string]llm.Tool{}}
	for _, t := range req.Tools {
		c.tools[t.Name] = t
	}
	byID := map[string]*call{}
	user := ""
	for _, m := range req.Messages {
		c.size += len(m.Content)
		switch m.Role {
		case agui.RoleUser:
			user = m.Text()
			c.text = user
			c.earlier = append(c.earlier, c.calls...)
			c.calls = nil
		case agui.RoleAssistant:
			for _, tc := range m.ToolCalls {
				k := &call{name: tc.Function.Name, args: tc.Function.Arguments, user: user}
				byID[tc.ID] = k
				c.calls = append(c.calls, k)
			}
		case agui.RoleTool:
			if k := byID[m.ToolCallID]; k != nil {
				k.result = m.Text()
				k.err = m.Error
				if k.err == "" && strings.HasPrefix(k.result, "Error:") {
					k.err = strings.TrimSpace(strings.TrimPrefix(k.result, "Error:"))
				}
			}
		}
	}
	return c
}

// has reports whether the request offers the tool.
func (c *conversation) has(name string) bool {
	_, ok := c.tools[name]
	return ok
}

// demoAgent reports whether the request is the demo agent's.
func (c *conversation) demoAgent() bool {
	return c.has(queryData) || c.has(manageTodos) || c.has(generateForm) || c.has(planVisualization)
}

// last returns the latest call since the user's message with one of names.
func (c *conversation) last(names ...string) *call {
	for i := len(c.calls) - 1; i >= 0; i-- {
		for _, n := range names {
			if c.calls[i].name == n {
				return c.calls[i]
			}
		}
	}
	return nil
}

// lastEarlier returns the latest call before the user's message with one
// of names, for follow-ups such as "now as a pie chart".
func (c *conversation) lastEarlier(names ...string) *call {
	for i := len(c.earlier) - 1; i >= 0; i-- {
		for _, n := range names {
			if c.earlier[i].name == n && !c.earlier[i].failed() {
				return c.earlier[i]
			}
		}
	}
	return nil
}
