package demo_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/agentd/agentd/agent/demo"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm"
	demomodel "github.com/agentd/agentd/llm/demo"
	"github.com/agentd/agentd/llm/llmtest"
	"github.com/agentd/agentd/llm/sim"
)

// demoTools are the demo agent's own tools, so the words are read against
// the schemas the model really gets, plus the page's charts.
func demoTools() []llm.Tool {
	var out []llm.Tool
	for _, t := range demo.Agent().Tools {
		out = append(out, llm.Tool{Name: t.Name, Description: t.Description, Parameters: t.Parameters})
	}
	return append(out, llm.Tool{Name: "barChart"}, llm.Tool{Name: "pieChart"})
}

func user(text string) agui.Message {
	return agui.Message{ID: "u-" + text, Role: agui.RoleUser, Content: agui.TextContent(text)}
}

func turn(t *testing.T, m llm.Provider, msgs ...agui.Message) *llmtest.Collector {
	t.Helper()
	c, err := llmtest.Stream(t, m, &llm.Request{Messages: msgs, Tools: demoTools()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// firstCall returns the turn's only tool call.
func firstCall(t *testing.T, c *llmtest.Collector) agui.ToolCall {
	t.Helper()
	calls, err := c.ToolCalls()
	if err != nil || len(calls) != 1 {
		t.Fatalf("calls %+v err %v, text %q", calls, err, c.Text())
	}
	return agui.ToolCall{ID: calls[0].ID, Type: "function", Function: agui.FunctionCall{Name: calls[0].Name, Arguments: calls[0].Args}}
}

func TestTheWordsBecomeQueryArguments(t *testing.T) {
	t.Parallel()
	m := demomodel.New(demomodel.Config{})
	for _, tc := range []struct{ text, args string }{
		{"What was total revenue?", `{"metric":"revenue"}`},
		{"profit by quarter", `{"metric":"profit","group_by":"quarter"}`},
		{"How many units did each product sell in March?", `{"metric":"units","group_by":"product","filters":{"from":"2025-03","to":"2025-03"}}`},
		{"top 3 products by profit in the north", `{"metric":"profit","group_by":"product","filters":{"region":"North"},"sort":"value_desc","limit":3}`},
		{"the two worst channels for hardware sales in H2", `{"metric":"revenue","group_by":"channel","filters":{"category":"Hardware","from":"2025-07","to":"2025-12"},"sort":"value_asc","limit":2}`},
		{"costs of CRM Cloud from q1 to q2 by month", `{"metric":"cost","group_by":"month","filters":{"from":"2025-01","product":"CRM Cloud","to":"2025-06"}}`},
		{"compare East and West", `{"metric":"revenue","group_by":"region"}`},
	} {
		call := firstCall(t, turn(t, m, user(tc.text)))
		if call.Function.Name != "query_data" || call.Function.Arguments != tc.args {
			t.Errorf("%q: %s %s, want query_data %s", tc.text, call.Function.Name, call.Function.Arguments, tc.args)
		}
	}
}

func TestAToolErrorIsReportedNotRetried(t *testing.T) {
	t.Parallel()
	m := demomodel.New(demomodel.Config{})
	u := user("revenue by region")
	call := firstCall(t, turn(t, m, u))
	failed := agui.Message{ID: "r", Role: agui.RoleTool, ToolCallID: call.ID, Content: agui.TextContent("Error: store on fire"), Error: "store on fire"}
	c := turn(t, m, u, agui.Message{ID: "a", Role: agui.RoleAssistant, ToolCalls: []agui.ToolCall{call}}, failed)
	if calls, _ := c.ToolCalls(); len(calls) != 0 || c.Text() != "query_data could not answer that: store on fire" {
		t.Errorf("calls %v, text %q", calls, c.Text())
	}
}

func TestTheSameConversationGivesTheSameTurn(t *testing.T) {
	t.Parallel()
	m := demomodel.New(demomodel.Config{})
	a := turn(t, m, user("add a todo: water the plants"))
	b := turn(t, m, user("add a todo: water the plants"))
	ca, cb := firstCall(t, a), firstCall(t, b)
	if ca != cb || ca.Function.Arguments != `{"actions":[{"op":"add","title":"Water the plants"}]}` {
		t.Errorf("calls %+v and %+v", ca, cb)
	}
	// Asked again later in the thread, the call gets a new id.
	later := turn(t, m, user("x"), agui.Message{ID: "a", Role: agui.RoleAssistant, Content: agui.TextContent("y")}, user("add a todo: water the plants"))
	if firstCall(t, later).ID == ca.ID {
		t.Errorf("a repeated request reuses call id %s", ca.ID)
	}
}

func TestOtherAgentsGoToTheFallback(t *testing.T) {
	t.Parallel()
	req := &llm.Request{Messages: []agui.Message{user("hello")}, Tools: []llm.Tool{{Name: "get_weather"}}}
	c, err := llmtest.Stream(t, demomodel.New(demomodel.Config{Fallback: sim.New(sim.Config{})}), req)
	if err != nil || !strings.HasPrefix(c.Text(), "I heard: hello.") {
		t.Errorf("fallback reply %q, err %v", c.Text(), err)
	}
	c, err = llmtest.Stream(t, demomodel.New(demomodel.Config{}), req)
	if err != nil || !strings.Contains(c.Text(), "only knows the demo agent's tools") {
		t.Errorf("reply without a fallback %q, err %v", c.Text(), err)
	}
}

func TestCancelledAndEmitErrors(t *testing.T) {
	t.Parallel()
	m := demomodel.New(demomodel.Config{})
	req := &llm.Request{Messages: []agui.Message{user("hello")}, Tools: demoTools()}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var c llmtest.Collector
	if err := m.Stream(ctx, req, c.Emit); !errors.Is(err, context.Canceled) || len(c.Deltas) != 0 {
		t.Errorf("cancelled: err %v, %d deltas", err, len(c.Deltas))
	}
	stop := errors.New("client gone")
	n := 0
	err := m.Stream(context.Background(), req, func(llm.Delta) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("emit error: err %v after %d deltas", err, n)
	}
}

func TestAChartTheClientCouldNotDrawIsSaidSo(t *testing.T) {
	t.Parallel()
	m := demomodel.New(demomodel.Config{})
	msgs := []agui.Message{user("bar chart of units by region")}
	results := []string{
		`{"metric":"units","group_by":"region","rows":[{"group":"North","value":10},{"group":"South","value":5}],"total":15,"row_count":2,"record_count":4}`,
		`{"technology":"barChart","approach":"Bars.","reason":"Compare."}`,
	}
	for i, want := range []string{"query_data", "plan_visualization", "barChart"} {
		call := firstCall(t, turn(t, m, msgs...))
		if call.Function.Name != want {
			t.Fatalf("step %d calls %s, want %s", i, call.Function.Name, want)
		}
		msgs = append(msgs, agui.Message{ID: call.ID + "a", Role: agui.RoleAssistant, ToolCalls: []agui.ToolCall{call}})
		res := agui.Message{ID: call.ID + "r", Role: agui.RoleTool, ToolCallID: call.ID}
		if i < len(results) {
			res.Content = agui.TextContent(results[i])
		} else {
			res.Content, res.Error = agui.TextContent("Error: data[0].value must be a number"), "data[0].value must be a number"
			var args struct{ Title string }
			if json.Unmarshal([]byte(call.Function.Arguments), &args); args.Title != "Units sold by region" {
				t.Errorf("barChart args %s", call.Function.Arguments)
			}
		}
		msgs = append(msgs, res)
	}
	c := turn(t, m, msgs...)
	want := "The bar chart could not be shown (data[0].value must be a number). Units sold by region: North 10 units (67%), South 5 units (33%); 15 units in total. North leads with 10 units, 67% of the total."
	if c.Text() != want {
		t.Errorf("answer %q\nwant   %q", c.Text(), want)
	}
}
