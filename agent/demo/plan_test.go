package demo_test

import (
	"strings"
	"testing"
)

type planOut struct {
	Technology string `json:"technology"`
	Approach   string `json:"approach"`
	Reason     string `json:"reason"`
	Elements   struct {
		Title        string   `json:"title"`
		XAxis        string   `json:"x_axis"`
		YAxis        string   `json:"y_axis"`
		Series       []string `json:"series"`
		Slices       string   `json:"slices"`
		Labels       string   `json:"labels"`
		Sort         string   `json:"sort"`
		Controls     []string `json:"controls"`
		Interactions []string `json:"interactions"`
	} `json:"elements"`
	DataNeeded string `json:"data_needed"`
	NextStep   string `json:"next_step"`
}

func TestPlanVisualization_Choices(t *testing.T) {
	cases := []struct {
		name, args, want string
	}{
		{"share with few parts", `{"goal":"What share of revenue does each category bring?","data_shape":{"group_by":"category","groups":3}}`, "pieChart"},
		{"share at the pie limit", `{"goal":"revenue breakdown by product","data_shape":{"groups":6}}`, "pieChart"},
		{"share with too many parts", `{"goal":"revenue breakdown by month","data_shape":{"groups":12}}`, "barChart"},
		{"share of too many groups, not over time", `{"goal":"percentage of units per store","data_shape":{"groups":9}}`, "barChart"},
		{"share of one part", `{"goal":"share of revenue","data_shape":{"groups":1}}`, "barChart"},
		{"share with several series", `{"goal":"mix of revenue and cost by channel","data_shape":{"groups":3,"series":2}}`, "barChart"},
		{"share, size unknown", `{"goal":"Show the sales mix by channel"}`, "pieChart"},
		{"trend over time", `{"goal":"How did revenue develop month over month?"}`, "barChart"},
		{"share over time", `{"goal":"share of revenue by quarter"}`, "barChart"},
		{"comparison", `{"goal":"Compare units sold by region"}`, "barChart"},
		{"not a table", `{"goal":"Which products are most profitable?"}`, "barChart"},
		{"interactive", `{"goal":"an interactive dashboard with a region filter"}`, "widgetRenderer"},
		{"custom widget", `{"goal":"a what-if calculator for price and units"}`, "widgetRenderer"},
		{"table", `{"goal":"show the top products in a sortable table"}`, "widgetRenderer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p planOut
			mustCall(t, "plan_visualization", c.args, "", &p)
			if p.Technology != c.want {
				t.Fatalf("technology = %s, want %s (reason: %s)", p.Technology, c.want, p.Reason)
			}
			if p.Approach == "" || p.Reason == "" || p.Elements.Title == "" || p.Elements.Labels == "" ||
				len(p.Elements.Interactions) == 0 || p.DataNeeded == "" || !strings.Contains(p.NextStep, c.want) {
				t.Errorf("incomplete plan: %+v", p)
			}
		})
	}
}

func TestPlanVisualization_Elements(t *testing.T) {
	var trend planOut
	mustCall(t, "plan_visualization", `{"goal":"what is the monthly profit trend?"}`, "", &trend)
	if trend.Elements.Title != "What is the monthly profit trend" {
		t.Errorf("title = %q", trend.Elements.Title)
	}
	if trend.Elements.XAxis != "Month" || trend.Elements.YAxis != "Profit (USD)" || trend.Elements.Sort != "chronological" {
		t.Errorf("axes %q/%q sort %q, want Month/Profit (USD) chronological", trend.Elements.XAxis, trend.Elements.YAxis, trend.Elements.Sort)
	}
	if !strings.Contains(trend.DataNeeded, `"profit"`) || !strings.Contains(trend.DataNeeded, `"month"`) {
		t.Errorf("data_needed = %q, want a query for profit by month", trend.DataNeeded)
	}

	var pie planOut
	mustCall(t, "plan_visualization", `{"goal":"share of units","data_shape":{"metric":"units","group_by":"channel","groups":3}}`, "", &pie)
	if !strings.Contains(pie.Elements.Slices, "channel") || pie.Elements.Series[0] != "units" {
		t.Errorf("pie elements = %+v, want slices per channel of units", pie.Elements)
	}

	var widget planOut
	mustCall(t, "plan_visualization", `{"goal":"interactive revenue explorer by region"}`, "", &widget)
	if len(widget.Elements.Controls) == 0 || !strings.Contains(widget.Approach, "HTML") {
		t.Errorf("widget plan lacks controls or an HTML approach: %+v", widget)
	}

	long := strings.Repeat("revenue by region ", 10)
	var lp planOut
	mustCall(t, "plan_visualization", `{"goal":"`+long+`"}`, "", &lp)
	if n := len([]rune(lp.Elements.Title)); n > 80 {
		t.Errorf("title has %d characters, want at most 80", n)
	}
}

func TestPlanVisualization_BadArguments(t *testing.T) {
	for _, args := range []string{
		`{}`,
		`{"goal":"   "}`,
		`{"goal":"x","data_shape":{"groups":-1}}`,
		`{"goal":"x","data_shape":{"series":-2}}`,
		`{"goal":"x","chart":"pie"}`,
		`{"goal":["x"]}`,
	} {
		mustFail(t, "plan_visualization", args, "")
	}
}
