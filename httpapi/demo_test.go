package httpapi_test

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/agent/demo"
	"github.com/agentd/agentd/agui"
	demomodel "github.com/agentd/agentd/llm/demo"
	"github.com/agentd/agentd/llm/sim"
)

// These tests run the offline demo model through the whole server: the
// demo agent's real tools, the agent loop, SQLite, SSE, and frontend tools
// answered the way the built-in page answers them.

// pageTools are the frontend tools as the chat page declares them, plus a
// widgetRenderer as a CopilotKit app might declare it.
var pageTools = []agui.Tool{
	{Name: "barChart", Description: "Show the user a bar chart in the chat: one bar per data item.", Parameters: chartSchema},
	{Name: "pieChart", Description: "Show the user a pie chart in the chat: each data item is a slice sized by its share of the total.", Parameters: chartSchema},
	{Name: "showNotice", Description: "Show the user a notice banner above the chat.", Parameters: json.RawMessage(`{"type":"object",
		"properties":{"message":{"type":"string"},"level":{"type":"string","enum":["info","success","warning","error"]}},"required":["message"]}`)},
}

var widgetTool = agui.Tool{Name: "widgetRenderer", Description: "Render a custom HTML widget in the chat.",
	Parameters: json.RawMessage(`{"type":"object","properties":{"title":{"type":"string"},"html":{"type":"string"}},"required":["html"]}`)}

var chartSchema = json.RawMessage(`{"type":"object","properties":{"title":{"type":"string"},
	"data":{"type":"array","items":{"type":"object","properties":{"label":{"type":"string"},"value":{"type":"number","minimum":0}},"required":["label","value"]}}},
	"required":["title","data"]}`)

func demoServer(t *testing.T) *bundle {
	return setup(t, options{model: demomodel.New(demomodel.Config{Fallback: sim.New(sim.Config{})}), agents: []*agent.Agent{demo.Agent()}})
}

// chat is one thread driven like the chat page: the full history each run,
// frontend tool calls answered and sent back in the next run.
type chat struct {
	t      *testing.T
	b      *bundle
	thread string
	tools  []agui.Tool
	state  json.RawMessage
	// runs are the streams of the last ask, in order.
	runs []*result
}

func newChat(t *testing.T, b *bundle, tools ...agui.Tool) *chat {
	return &chat{t: t, b: b, thread: newID("demo"), tools: tools, state: json.RawMessage(`{}`)}
}

// ask sends the user's words and runs until the agent answers in text,
// executing each frontend tool call as the page would. It returns the
// final answer.
func (c *chat) ask(text string) string {
	c.t.Helper()
	var history []agui.Message
	if len(c.runs) > 0 {
		history, _ = c.b.thread(c.thread)
	}
	history = append(history, userMsg(text))
	c.runs = nil
	for range 4 {
		in := input(c.thread, history...)
		in.Tools, in.State = c.tools, c.state
		res := c.b.post("/", in)
		res.mustFinish(c.t, in)
		c.runs = append(c.runs, res)
		if snap := lastSnapshot(res); snap != nil {
			c.state = snap
		}
		history, _ = c.b.thread(c.thread)
		last := history[len(history)-1]
		if last.Role != agui.RoleAssistant || len(last.ToolCalls) == 0 {
			return res.text()
		}
		for _, tc := range last.ToolCalls {
			history = append(history, agui.Message{ID: newID("tool"), Role: agui.RoleTool, ToolCallID: tc.ID,
				Content: agui.TextContent(`{"shown":true}`)})
		}
	}
	c.t.Fatalf("no text answer to %q after 4 runs", text)
	return ""
}

func lastSnapshot(r *result) json.RawMessage {
	var snap json.RawMessage
	for _, ev := range r.events {
		if ev.Type == agui.StateSnapshot {
			snap = ev.Snapshot
		}
	}
	return snap
}

// streamedCall is a tool call as the SSE stream carried it.
type streamedCall struct {
	name, args, result string
}

// calls are the tool calls streamed by the last ask, in order.
func (c *chat) calls() []streamedCall {
	var out []streamedCall
	at := map[string]int{}
	for _, r := range c.runs {
		for _, ev := range r.events {
			switch ev.Type {
			case agui.ToolCallStart:
				at[ev.ToolCallID] = len(out)
				out = append(out, streamedCall{name: ev.ToolCallName})
			case agui.ToolCallArgs:
				out[at[ev.ToolCallID]].args += ev.Delta
			case agui.ToolCallResult:
				out[at[ev.ToolCallID]].result = ev.Content
			}
		}
	}
	return out
}

func (c *chat) names() []string {
	var n []string
	for _, k := range c.calls() {
		n = append(n, k.name)
	}
	return n
}

// expect fails the test unless the last ask called exactly these tools,
// and the stored thread holds each call with the arguments streamed.
func (c *chat) expect(names ...string) {
	c.t.Helper()
	if got := c.names(); strings.Join(got, ",") != strings.Join(names, ",") {
		c.t.Fatalf("tool calls %v, want %v", got, names)
	}
	msgs, _ := c.b.thread(c.thread)
	stored := map[string]string{}
	for _, m := range msgs {
		for _, tc := range m.ToolCalls {
			stored[tc.Function.Name+" "+tc.Function.Arguments] = tc.ID
		}
	}
	for _, k := range c.calls() {
		if _, ok := stored[k.name+" "+k.args]; !ok {
			c.t.Errorf("GET /threads/%s lacks the call %s %s", c.thread, k.name, k.args)
		}
	}
}

// storedCalls are the tool calls of the stored thread, by name.
func (c *chat) storedCalls(name string) []agui.ToolCall {
	msgs, _ := c.b.thread(c.thread)
	var out []agui.ToolCall
	for _, m := range msgs {
		for _, tc := range m.ToolCalls {
			if tc.Function.Name == name {
				out = append(out, tc)
			}
		}
	}
	return out
}

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decoding %s: %v", s, err)
	}
	return v
}

// sums adds up a column of the dataset by another, read from the CSV the
// demo agent embeds, independently of its code.
func sums(t *testing.T, by, metric string) map[string]float64 {
	t.Helper()
	f, err := os.Open("../agent/demo/data/sales.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	out := map[string]float64{}
	for _, r := range recs[1:] {
		v, err := strconv.ParseFloat(r[col[metric]], 64)
		if err != nil {
			t.Fatal(err)
		}
		out[r[col[by]]] += v
	}
	return out
}

type chartArgs struct {
	Title string
	Data  []struct {
		Label string
		Value float64
	}
}

// checkChart checks a chart's data against the dataset's sums.
func checkChart(t *testing.T, args chartArgs, want map[string]float64) {
	t.Helper()
	if len(args.Data) != len(want) {
		t.Fatalf("chart has %d items, want %d: %+v", len(args.Data), len(want), args.Data)
	}
	for _, d := range args.Data {
		w, ok := want[d.Label]
		if !ok || math.Abs(d.Value-w) > 0.005 {
			t.Errorf("chart item %s = %v, want %v", d.Label, d.Value, w)
		}
	}
}

func top(m map[string]float64) (string, float64) {
	best, v := "", math.Inf(-1)
	for k, x := range m {
		if x > v {
			best, v = k, x
		}
	}
	return best, v
}

func dollars(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return "$" + s
}

func TestDemo_RevenueByRegionAsABarChart(t *testing.T) {
	t.Parallel()
	c := newChat(t, demoServer(t), pageTools...)
	answer := c.ask("Show me revenue by region as a bar chart")

	c.expect("query_data", "plan_visualization", "barChart")
	if len(c.runs) != 2 {
		t.Errorf("%d runs, want 2: the first ends with the frontend call", len(c.runs))
	}
	calls := c.calls()
	q := decode[map[string]any](t, calls[0].args)
	if q["metric"] != "revenue" || q["group_by"] != "region" {
		t.Errorf("query_data args %s", calls[0].args)
	}
	p := decode[struct {
		Goal      string
		DataShape struct {
			Metric, GroupBy string
			Groups          int
		} `json:"data_shape"`
	}](t, calls[1].args)
	if p.Goal == "" || p.DataShape.Groups != 4 {
		t.Errorf("plan_visualization args %s", calls[1].args)
	}
	if decode[struct{ Technology string }](t, calls[1].result).Technology != "barChart" {
		t.Errorf("plan %s", calls[1].result)
	}
	want := sums(t, "region", "revenue")
	bar := decode[chartArgs](t, calls[2].args)
	checkChart(t, bar, want)
	if bar.Title != "Revenue by region" {
		t.Errorf("title %q", bar.Title)
	}

	name, v := top(want)
	if !strings.Contains(answer, name+" leads with "+dollars(v)) || strings.Contains(answer, "{") {
		t.Errorf("answer %q does not name %s with %s", answer, name, dollars(v))
	}
	stored := c.storedCalls("barChart")
	if len(stored) != 1 {
		t.Fatalf("stored barChart calls %+v", stored)
	}
	checkChart(t, decode[chartArgs](t, stored[0].Function.Arguments), want)
	if q := c.storedCalls("query_data"); len(q) != 1 || q[0].Function.Arguments != calls[0].args {
		t.Errorf("stored query_data calls %+v", q)
	}
}

func TestDemo_UseQueryDataThenDrawABarChart(t *testing.T) {
	t.Parallel()
	c := newChat(t, demoServer(t), pageTools...)
	answer := c.ask("use query_data for sales by region, then draw a barChart")
	c.expect("query_data", "plan_visualization", "barChart")
	checkChart(t, decode[chartArgs](t, c.calls()[2].args), sums(t, "region", "revenue"))
	if !strings.HasPrefix(answer, "Here is the bar chart of revenue by region.") {
		t.Errorf("answer %q", answer)
	}
}

func TestDemo_PieChartOfRevenueShareByCategory(t *testing.T) {
	t.Parallel()
	c := newChat(t, demoServer(t), pageTools...)
	answer := c.ask("pie chart of revenue share by category")
	c.expect("query_data", "plan_visualization", "pieChart")
	want := sums(t, "category", "revenue")
	pie := decode[chartArgs](t, c.calls()[2].args)
	checkChart(t, pie, want)
	if pie.Title != "Revenue share by category" {
		t.Errorf("title %q", pie.Title)
	}
	name, v := top(want)
	total := 0.0
	for _, x := range want {
		total += x
	}
	share := strconv.Itoa(int(math.Round(100*v/total))) + "%"
	if !strings.Contains(answer, "pie chart") || !strings.Contains(answer, name+" leads with "+dollars(v)+", "+share) {
		t.Errorf("answer %q, want %s with %s (%s)", answer, name, dollars(v), share)
	}
	// A follow-up reuses the query: the same numbers as bars.
	again := c.ask("now as a bar chart")
	c.expect("query_data", "plan_visualization", "barChart")
	checkChart(t, decode[chartArgs](t, c.calls()[2].args), want)
	if !strings.Contains(again, "bar chart of revenue by category") {
		t.Errorf("follow-up answer %q", again)
	}
}

func TestDemo_DataQuestionWithFiltersAndLimit(t *testing.T) {
	t.Parallel()
	c := newChat(t, demoServer(t), pageTools...)
	answer := c.ask("What were the top 3 products by profit in the North in Q3?")
	c.expect("query_data")
	calls := c.calls()
	q := decode[struct {
		Metric  string
		GroupBy string `json:"group_by"`
		Filters map[string]string
		Sort    string
		Limit   int
	}](t, calls[0].args)
	if q.Metric != "profit" || q.GroupBy != "product" || q.Filters["region"] != "North" ||
		q.Filters["from"] != "2025-07" || q.Filters["to"] != "2025-09" || q.Sort != "value_desc" || q.Limit != 3 {
		t.Errorf("query_data args %s", calls[0].args)
	}
	res := decode[struct{ Rows []struct{ Group string } }](t, calls[0].result)
	if len(res.Rows) != 3 || !strings.Contains(answer, res.Rows[0].Group+" leads with $") || !strings.Contains(answer, "North, 2025-07 to 2025-09") {
		t.Errorf("answer %q for %s", answer, calls[0].result)
	}
}

func TestDemo_TodoFromTheUsersWords(t *testing.T) {
	t.Parallel()
	b := demoServer(t)
	c := newChat(t, b, pageTools...)
	answer := c.ask("add a todo: call the supplier, use manage_todos")
	c.expect("manage_todos")
	calls := c.calls()
	if calls[0].args != `{"actions":[{"op":"add","title":"Call the supplier"}]}` {
		t.Errorf("manage_todos args %s", calls[0].args)
	}
	if answer != `Added "Call the supplier". The todo list has 1 item: Call the supplier (pending).` {
		t.Errorf("answer %q", answer)
	}
	_, state := b.thread(c.thread)
	st := decode[struct {
		Todos []struct{ ID, Title, Status string }
	}](t, string(state))
	if len(st.Todos) != 1 || st.Todos[0].Title != "Call the supplier" || st.Todos[0].Status != "pending" {
		t.Fatalf("shared state %s", state)
	}

	answer = c.ask("mark call the supplier as done")
	c.expect("get_todos", "manage_todos")
	want := `{"actions":[{"op":"update","id":"` + st.Todos[0].ID + `","status":"done"}]}`
	if args := c.calls()[1].args; args != want {
		t.Errorf("manage_todos args %s, want %s", args, want)
	}
	if !strings.Contains(answer, `Marked "Call the supplier" done`) {
		t.Errorf("answer %q", answer)
	}
	if _, state = b.thread(c.thread); !strings.Contains(string(state), `"status":"done"`) {
		t.Errorf("state %s", state)
	}
}

func TestDemo_SignInForm(t *testing.T) {
	t.Parallel()
	c := newChat(t, demoServer(t), pageTools...)
	answer := c.ask("Show me a sign-in form")
	c.expect("generate_form")
	calls := c.calls()
	if calls[0].args != "{}" {
		t.Errorf("generate_form args %s", calls[0].args)
	}
	if !strings.Contains(calls[0].result, `"beginRendering"`) {
		t.Errorf("generate_form result %s", calls[0].result)
	}
	if answer != `I showed a form titled "Sign in" with Email, Password and Remember me, and a "Sign in" button. Fill it in above; the values are sent back when you press the button.` {
		t.Errorf("answer %q", answer)
	}
	if stored := c.storedCalls("generate_form"); len(stored) != 1 {
		t.Errorf("stored %+v", stored)
	}
}

func TestDemo_HTMLWidget(t *testing.T) {
	t.Parallel()
	c := newChat(t, demoServer(t), append(pageTools, widgetTool)...)
	answer := c.ask("Build an HTML widget of units by channel")
	c.expect("query_data", "plan_visualization", "widgetRenderer")
	args := decode[struct{ Title, HTML string }](t, c.calls()[2].args)
	if args.Title != "Units sold by channel" || !strings.HasPrefix(args.HTML, "<div") || !strings.Contains(args.HTML, "<script>") {
		t.Errorf("widget args %s", c.calls()[2].args)
	}
	for ch, v := range sums(t, "channel", "units") {
		if !strings.Contains(args.HTML, `data-label="`+ch+`" data-value="`+strconv.FormatFloat(v, 'g', -1, 64)+`"`) {
			t.Errorf("widget lacks %s = %v", ch, v)
		}
	}
	if !strings.HasPrefix(answer, "Here is the widget of units sold by channel.") {
		t.Errorf("answer %q", answer)
	}

	// The page declares no widgetRenderer: a bar chart stands in.
	c = newChat(t, c.b, pageTools...)
	answer = c.ask("Build an HTML widget of units by channel")
	c.expect("query_data", "plan_visualization", "barChart")
	if !strings.Contains(answer, "This client has no widgetRenderer tool, so I drew a bar chart instead.") {
		t.Errorf("answer %q", answer)
	}
}

func TestDemo_AnythingElseListsThePhrases(t *testing.T) {
	t.Parallel()
	c := newChat(t, demoServer(t), pageTools...)
	answer := c.ask("Hello! What can you do?")
	c.expect()
	if !strings.HasPrefix(answer, "Hello! I am agentd's offline demo model") {
		t.Fatalf("answer %q", answer)
	}
	for _, phrase := range []string{"Show me revenue by region as a bar chart", "Add a todo: call the supplier", "sign-in form", "Show a notice"} {
		if !strings.Contains(answer, phrase) {
			t.Errorf("answer lacks %q: %q", phrase, answer)
		}
	}
	if strings.Contains(answer, "widget") {
		t.Errorf("answer offers a widget the client has no tool for: %q", answer)
	}
}

func TestDemo_OtherAgentsGetTheFallback(t *testing.T) {
	t.Parallel()
	b := setup(t, options{model: demomodel.New(demomodel.Config{Fallback: sim.New(sim.Config{})})})
	in := input(newID("t"), userMsg("hello there"))
	res := b.post("/", in)
	res.mustFinish(t, in)
	if !strings.Contains(res.text(), "I heard: hello there") {
		t.Errorf("reply %q", res.text())
	}
}
