package demo

import (
	"encoding/json"
	"fmt"
	"html"
	"strings"

	"github.com/agentd/agentd/llm"
)

// planArgs is plan_visualization's arguments.
type planArgs struct {
	Goal      string    `json:"goal"`
	DataShape dataShape `json:"data_shape,omitzero"`
}

type dataShape struct {
	Metric  string `json:"metric,omitempty"`
	GroupBy string `json:"group_by,omitempty"`
	Groups  *int   `json:"groups,omitempty"`
}

// plan is the part of plan_visualization's answer the model reads.
type plan struct {
	Technology string `json:"technology"`
	Approach   string `json:"approach"`
	Reason     string `json:"reason"`
	Elements   struct {
		Title        string   `json:"title"`
		XAxis        string   `json:"x_axis"`
		YAxis        string   `json:"y_axis"`
		Slices       string   `json:"slices"`
		Labels       string   `json:"labels"`
		Sort         string   `json:"sort"`
		Interactions []string `json:"interactions"`
	} `json:"elements"`
}

// chartTurn draws: query_data, plan_visualization with the answer's shape,
// then the frontend tool with the rows. The run ends with that call; the
// turn after the frontend's result summarizes what was drawn.
func chartTurn(c *conversation, s string) action {
	qc := c.last(queryData)
	if qc == nil {
		q, _ := c.queryFor(s, "region")
		return callTool(queryData, q)
	}
	res, failure := queried(qc)
	if failure != "" {
		return reply(failure)
	}
	if len(res.Rows) == 0 {
		return reply(summary(res))
	}
	pc := c.last(planVisualization)
	if pc == nil && c.has(planVisualization) {
		_, goal := c.queryFor(s, "")
		groups := len(res.Rows)
		return callTool(planVisualization, planArgs{Goal: goal, DataShape: dataShape{Metric: res.Metric, GroupBy: res.GroupBy, Groups: &groups}})
	}
	var p plan
	if pc != nil && !pc.failed() {
		pc.decode(&p)
	}
	fc := c.last(barChart, pieChart, widgetRenderer)
	if fc == nil {
		tool := c.chartTool(s, p.Technology)
		if tool == "" {
			return reply("This client offers no chart tool (barChart, pieChart or widgetRenderer), so here are the numbers. " + summary(res))
		}
		return callTool(tool, chartArgs(tool, c.tools[tool], res))
	}
	return reply(drawn(c, s, fc, p, res))
}

// chartTool picks the frontend tool: the one the user asked for, else the
// plan's, else any chart the client offers.
func (c *conversation) chartTool(s, planned string) string {
	var order []string
	if pieWords.MatchString(s) {
		order = append(order, pieChart)
	}
	if barWords.MatchString(s) {
		order = append(order, barChart)
	}
	if widgetWords.MatchString(s) {
		order = append(order, widgetRenderer)
	}
	for _, t := range append(order, planned, barChart, pieChart) {
		if t != "" && c.has(t) {
			return t
		}
	}
	return ""
}

// chartArgs fills the frontend tool's arguments: the page's charts take
// {title, data: [{label, value}]} with no negative value; a widget gets a
// self-contained HTML document.
func chartArgs(tool string, t llm.Tool, res queryResult) any {
	title := chartTitle(tool, res)
	if tool == widgetRenderer {
		return widgetArgs(t, title, res)
	}
	type item struct {
		Label string  `json:"label"`
		Value float64 `json:"value"`
	}
	data := []item{}
	for _, r := range res.Rows {
		if r.Value >= 0 {
			data = append(data, item{r.Group, r.Value})
		}
	}
	return struct {
		Title string `json:"title"`
		Data  []item `json:"data"`
	}{title, data}
}

func chartTitle(tool string, res queryResult) string {
	t := titleOf(res)
	if tool == pieChart {
		t = strings.Replace(t, " by ", " share by ", 1)
	}
	return t
}

// drawn is the answer once the frontend has run the chart tool.
func drawn(c *conversation, s string, fc *call, p plan, res queryResult) string {
	kind := map[string]string{barChart: "bar chart", pieChart: "pie chart", widgetRenderer: "widget"}
	var b strings.Builder
	if fc.failed() {
		fmt.Fprintf(&b, "The %s could not be shown (%s). ", kind[fc.name], fc.err)
	} else {
		fmt.Fprintf(&b, "Here is the %s of %s. ", kind[fc.name], lowerFirst(chartTitle(fc.name, res)))
	}
	wanted := ""
	switch {
	case pieWords.MatchString(s):
		wanted = pieChart
	case barWords.MatchString(s):
		wanted = barChart
	case widgetWords.MatchString(s):
		wanted = widgetRenderer
	}
	if wanted != "" && wanted != fc.name && !c.has(wanted) {
		fmt.Fprintf(&b, "This client has no %s tool, so I drew a %s instead. ", wanted, kind[fc.name])
	} else if p.Technology != "" && p.Technology != fc.name {
		fmt.Fprintf(&b, "(plan_visualization suggested a %s: %s) ", orDefault(kind[p.Technology], p.Technology), p.Reason)
	}
	b.WriteString(summary(res))
	return b.String()
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// planTurn explains a plan without drawing it.
func planTurn(c *conversation, s string) action {
	pc := c.last(planVisualization)
	if pc == nil {
		q, goal := c.queryFor(s, "")
		return callTool(planVisualization, planArgs{Goal: goal, DataShape: dataShape{Metric: q.Metric, GroupBy: q.GroupBy}})
	}
	if pc.failed() {
		return reply("plan_visualization could not plan that: " + pc.err)
	}
	var p plan
	if !pc.decode(&p) {
		return reply("plan_visualization returned a plan I cannot read.")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "I would use %s. %s %s Title: %q", orDefault(article(p.Technology), "a chart"), p.Approach, p.Reason, p.Elements.Title)
	for _, part := range [][2]string{{"x axis", p.Elements.XAxis}, {"y axis", p.Elements.YAxis}, {"slices", p.Elements.Slices}, {"sort", p.Elements.Sort}} {
		if part[1] != "" {
			fmt.Fprintf(&b, "; %s: %s", part[0], part[1])
		}
	}
	b.WriteString(". Say \"draw it\" and I will fetch the numbers with query_data and draw it.")
	return reply(b.String())
}

func article(tool string) string {
	switch tool {
	case barChart:
		return "a bar chart (barChart)"
	case pieChart:
		return "a pie chart (pieChart)"
	case widgetRenderer:
		return "a custom HTML widget (widgetRenderer)"
	}
	return tool
}

// widgetArgs fills widgetRenderer's schema, which the client defines: the
// HTML goes in the property named like html (or the first string one),
// the title and a caption where the schema has room for them.
func widgetArgs(t llm.Tool, title string, res queryResult) map[string]any {
	var schema struct {
		Properties map[string]struct {
			Type any `json:"type"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	_ = json.Unmarshal(t.Parameters, &schema) // no schema: {"html": …}
	doc := widgetHTML(title, res)
	args := map[string]any{}
	htmlKey := ""
	for name := range schema.Properties {
		switch strings.ToLower(name) {
		case "html", "code", "content", "markup", "source", "template", "body":
			htmlKey = name
		case "title", "name", "heading":
			args[name] = title
		case "description", "caption", "summary":
			args[name] = titleOf(res) + ", from the sample sales data"
		}
	}
	if htmlKey == "" {
		htmlKey = "html"
		for _, name := range schema.Required {
			if _, used := args[name]; !used && schema.Properties[name].Type == "string" {
				htmlKey = name
				break
			}
		}
	}
	args[htmlKey] = doc
	return args
}

// widgetHTML is a small self-contained widget: one bar per row, scaled to
// the largest, with a button that sorts by value or by name. Labels are
// escaped, so data is never markup.
func widgetHTML(title string, res queryResult) string {
	top := 0.0
	for _, r := range res.Rows {
		top = max(top, r.Value)
	}
	var b strings.Builder
	b.WriteString(`<div style="font:14px system-ui,sans-serif;max-width:520px">`)
	fmt.Fprintf(&b, `<h3 style="margin:0 0 8px">%s</h3><div class="rows">`, html.EscapeString(title))
	for _, r := range res.Rows {
		width := 0.0
		if top > 0 && r.Value > 0 {
			width = 100 * r.Value / top
		}
		fmt.Fprintf(&b, `<div data-label="%s" data-value="%g" style="display:flex;gap:8px;align-items:center;margin:4px 0">`+
			`<span style="width:9em">%s</span><span style="flex:1"><span style="display:block;height:14px;width:%.1f%%;background:#2f6fde"></span></span>`+
			`<span style="width:8em;text-align:right">%s</span></div>`,
			html.EscapeString(r.Group), r.Value, html.EscapeString(r.Group), width, html.EscapeString(value(res.Metric, r.Value)))
	}
	fmt.Fprintf(&b, `</div><button type="button">Sort by name</button> <small>Total %s</small>`, html.EscapeString(value(res.Metric, res.Total)))
	b.WriteString(`<script>(function(){var root=document.currentScript.parentNode,list=root.querySelector(".rows"),btn=root.querySelector("button"),byName=false;` +
		`btn.onclick=function(){byName=!byName;var rows=Array.prototype.slice.call(list.children);` +
		`rows.sort(function(a,b){return byName?a.dataset.label.localeCompare(b.dataset.label):b.dataset.value-a.dataset.value});` +
		`rows.forEach(function(r){list.appendChild(r)});btn.textContent=byName?"Sort by value":"Sort by name"}})()</script></div>`)
	return b.String()
}
