package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/agentd/agentd/agent"
)

// The frontend tools a plan can name. The frontend declares them at run
// time; the server never calls them itself.
const (
	BarChart       = "barChart"
	PieChart       = "pieChart"
	WidgetRenderer = "widgetRenderer"
)

// maxPieSlices is the most parts a pie chart shows before it stops being
// readable; beyond it, bars compare the parts better.
const maxPieSlices = 6

const planVisualizationSchema = `{
  "type": "object",
  "properties": {
    "goal": {
      "type": "string",
      "minLength": 1,
      "description": "The user's question or what the visualization should show, in their words, e.g. \"share of revenue by category\" or \"an interactive what-if calculator for units and price\"."
    },
    "data_shape": {
      "type": "object",
      "description": "What the data looks like, if already known (for example from a query_data answer).",
      "properties": {
        "metric": {"type": "string", "description": "The measure shown, e.g. revenue, units, cost, profit."},
        "group_by": {"type": "string", "description": "The dimension the values are split by, e.g. region, product, category, channel, month, quarter."},
        "groups": {"type": "integer", "minimum": 0, "description": "How many groups (rows, categories, slices) there are."},
        "series": {"type": "integer", "minimum": 0, "description": "How many measures are shown side by side (default 1)."}
      },
      "additionalProperties": false
    }
  },
  "required": ["goal"],
  "additionalProperties": false
}`

type planArgs struct {
	Goal      string    `json:"goal"`
	DataShape dataShape `json:"data_shape"`
}

type dataShape struct {
	Metric  string `json:"metric,omitempty"`
	GroupBy string `json:"group_by,omitempty"`
	Groups  *int   `json:"groups,omitempty"`
	Series  *int   `json:"series,omitempty"`
}

// Plan is plan_visualization's answer, encoded as the tool result.
type Plan struct {
	// Technology is the frontend tool to call: barChart, pieChart or widgetRenderer.
	Technology string       `json:"technology"`
	Approach   string       `json:"approach"`
	Reason     string       `json:"reason"`
	Elements   PlanElements `json:"elements"`
	// DataNeeded says which query_data call supplies the numbers.
	DataNeeded string `json:"data_needed"`
	NextStep   string `json:"next_step"`
}

// PlanElements are the parts of the visualization the frontend call fills.
type PlanElements struct {
	Title        string   `json:"title"`
	XAxis        string   `json:"x_axis,omitempty"`
	YAxis        string   `json:"y_axis,omitempty"`
	Series       []string `json:"series,omitempty"`
	Slices       string   `json:"slices,omitempty"`
	Labels       string   `json:"labels"`
	Sort         string   `json:"sort,omitempty"`
	Controls     []string `json:"controls,omitempty"`
	Interactions []string `json:"interactions"`
}

func planVisualizationTool() agent.Tool {
	return agent.Tool{
		Name: "plan_visualization",
		Description: "Plan a chart or widget before drawing it. Give the user's goal and, if known, the shape of the data. " +
			"Returns which frontend tool to call (barChart, pieChart or widgetRenderer), why, and the key elements: " +
			"title, axes or slices, series, labels and interactions. Call this before any visualization tool.",
		Parameters: json.RawMessage(planVisualizationSchema),
		Run: func(ctx context.Context, c agent.Call) (agent.Result, error) {
			var args planArgs
			if err := bindArgs(c, &args); err != nil {
				return agent.Result{}, err
			}
			p, err := plan(args)
			if err != nil {
				return agent.Result{}, err
			}
			return agent.JSON(p)
		},
	}
}

// Words that signal what the user is after. Matching is on the lowercased
// goal, so each entry is lowercase.
var (
	interactiveWords = []string{"interactive", "widget", "custom", "slider", "toggle", "dropdown", "filterable",
		"dashboard", "calculator", "what-if", "what if", "simulator", "simulation", "simulate", "html", "table", "map",
		"heatmap", "drill down", "drill-down", "animated", "animation", "kpi card"}
	shareWords = []string{"share", "proportion", "percentage", "percent of", "% of", "breakdown", "break down", "composition",
		"split", "mix", "contribution", "portion", "part of", "pie"}
	timeWords = []string{"trend", "over time", "monthly", "by month", "per month", "each month", "month over month",
		"quarter", "quarterly", "growth", "timeline", "seasonal", "across the year", "through the year"}
	metricWords = [][2]string{{"profit", "profit"}, {"margin", "profit"}, {"units", "units"}, {"volume", "units"},
		{"cost", "cost"}, {"spend", "cost"}, {"revenue", "revenue"}, {"sales", "revenue"}}
	dimensionWords = []string{"region", "product", "category", "channel", "month", "quarter"}
)

func plan(args planArgs) (Plan, error) {
	goal := strings.TrimSpace(args.Goal)
	if goal == "" {
		return Plan{}, fmt.Errorf("goal is required: describe what the user wants to see")
	}
	shape := args.DataShape
	if shape.Groups != nil && *shape.Groups < 0 {
		return Plan{}, fmt.Errorf("data_shape.groups must not be negative, got %d", *shape.Groups)
	}
	if shape.Series != nil && *shape.Series < 0 {
		return Plan{}, fmt.Errorf("data_shape.series must not be negative, got %d", *shape.Series)
	}
	lower := strings.ToLower(goal)
	metric := strings.ToLower(strings.TrimSpace(shape.Metric))
	if metric == "" {
		metric = firstMatch(lower, metricWords, "revenue")
	}
	dim := strings.ToLower(strings.TrimSpace(shape.GroupBy))
	if dim == "" {
		dim = firstWord(lower, dimensionWords)
	}
	overTime := containsAny(lower, timeWords) || dim == "month" || dim == "quarter"
	if overTime && dim == "" {
		dim = "month"
		if strings.Contains(lower, "quarter") {
			dim = "quarter"
		}
	}
	series := 1
	if shape.Series != nil && *shape.Series > 0 {
		series = *shape.Series
	}

	p := Plan{Elements: PlanElements{Title: titleFrom(goal)}}
	switch {
	case containsAny(lower, interactiveWords):
		p.widget(metric, dim)
	case containsAny(lower, shareWords) && !overTime && series == 1 && fitsPie(shape.Groups):
		p.pie(metric, dim, shape.Groups)
	default:
		p.bar(metric, dim, overTime, series, shape.Groups, containsAny(lower, shareWords))
	}
	p.DataNeeded = dataNeeded(metric, dim)
	p.NextStep = fmt.Sprintf("Fetch the data with query_data if you have not yet, then call %s with it, following these elements.", p.Technology)
	return p, nil
}

// fitsPie reports whether a part-of-whole view can be a pie: unknown size is
// allowed (the elements say to keep it small), and a single part is not a
// comparison at all.
func fitsPie(groups *int) bool {
	return groups == nil || (*groups >= 2 && *groups <= maxPieSlices)
}

func (p *Plan) widget(metric, dim string) {
	p.Technology = WidgetRenderer
	p.Approach = "Build a self-contained HTML widget (inline CSS and JavaScript, no external requests) with the data embedded."
	p.Reason = "The request asks for interactivity or a custom layout that the fixed bar and pie charts cannot provide."
	p.Elements.Series = []string{metric}
	if dim != "" {
		p.Elements.XAxis = label(dim)
	}
	p.Elements.YAxis = metricLabel(metric)
	p.Elements.Labels = "Show the values with units and a short caption naming the data source (2025 sample sales)."
	p.Elements.Controls = []string{"filter or selector for " + orDefault(label(dim), "the dimension"), "reset button"}
	p.Elements.Interactions = []string{"update the view when a control changes", "tooltip with the exact value on hover"}
}

func (p *Plan) pie(metric, dim string, groups *int) {
	p.Technology = PieChart
	p.Approach = "Show each part's share of the whole as a pie slice."
	p.Reason = fmt.Sprintf("The question is about shares of a total with at most %d parts, which a pie shows at a glance.", maxPieSlices)
	if groups == nil {
		p.Reason += fmt.Sprintf(" If the data turns out to have more than %d parts, merge the smallest into \"Other\" or use barChart.", maxPieSlices)
	}
	p.Elements.Series = []string{metric}
	p.Elements.Slices = "one slice per " + orDefault(dim, "group") + ", largest first"
	p.Elements.Labels = "Label each slice with its name and percentage of the total; show the total " + metricLabel(metric) + " in the caption."
	p.Elements.Interactions = []string{"tooltip with value and percentage on hover", "legend"}
}

func (p *Plan) bar(metric, dim string, overTime bool, series int, groups *int, share bool) {
	p.Technology = BarChart
	p.Elements.XAxis = orDefault(label(dim), "Group")
	p.Elements.YAxis = metricLabel(metric)
	p.Elements.Series = []string{metric}
	if series > 1 {
		p.Elements.Series = []string{fmt.Sprintf("%d series side by side, one colour each", series)}
	}
	p.Elements.Labels = "Value labels on the bars, axis titles, and a legend when there is more than one series."
	p.Elements.Interactions = []string{"tooltip with the exact value on hover"}
	switch {
	case overTime:
		p.Approach = "Plot the values in time order, one bar per " + dim + "."
		p.Reason = "The question is about change over time; bars in chronological order make rises and dips easy to compare."
		p.Elements.Sort = "chronological"
	case share:
		p.Approach = "Compare the parts as bars sorted from largest to smallest, each labelled with its share of the total."
		p.Reason = fmt.Sprintf("It is a part-of-whole question, but %s, so bars read better than a pie.", whyNotPie(groups, series))
		p.Elements.Sort = "descending by value"
	default:
		p.Approach = "Compare the groups side by side, sorted from largest to smallest."
		p.Reason = "The question compares values across categories, which bars show most precisely."
		p.Elements.Sort = "descending by value"
	}
}

func whyNotPie(groups *int, series int) string {
	switch {
	case series > 1:
		return "there is more than one series"
	case groups != nil && *groups > maxPieSlices:
		return fmt.Sprintf("there are %d parts (more than %d)", *groups, maxPieSlices)
	default:
		return "there are too few parts for a meaningful pie"
	}
}

func dataNeeded(metric, dim string) string {
	if dim == "" {
		return fmt.Sprintf("query_data with metric=%q and the group_by that matches the question", metric)
	}
	return fmt.Sprintf("query_data with metric=%q and group_by=%q", metric, dim)
}

// containsAny reports whether s contains one of the words as a whole word
// (a plural "s" allowed), so "profitable" does not count as "table".
func containsAny(s string, words []string) bool {
	for _, w := range words {
		if hasWord(s, w) {
			return true
		}
	}
	return false
}

func hasWord(s, w string) bool {
	for off := 0; off < len(s); {
		i := strings.Index(s[off:], w)
		if i < 0 {
			return false
		}
		start, end := off+i, off+i+len(w)
		if end < len(s) && s[end] == 's' {
			end++
		}
		before := start == 0 || !isWordByte(w[0]) || !isWordByte(s[start-1])
		after := end == len(s) || !isWordByte(w[len(w)-1]) || !isWordByte(s[end])
		if before && after {
			return true
		}
		off = start + 1
	}
	return false
}

func isWordByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}

func firstMatch(s string, pairs [][2]string, fallback string) string {
	for _, p := range pairs {
		if hasWord(s, p[0]) {
			return p[1]
		}
	}
	return fallback
}

// firstWord returns the word that appears earliest in s, so "revenue by
// region for each product" groups by region.
func firstWord(s string, words []string) string {
	best, at := "", len(s)+1
	for _, w := range words {
		if i := strings.Index(s, w); i >= 0 && i < at {
			best, at = w, i
		}
	}
	return best
}

func label(dim string) string {
	if dim == "" {
		return ""
	}
	r, n := utf8.DecodeRuneInString(dim)
	return string(unicode.ToUpper(r)) + dim[n:]
}

func metricLabel(metric string) string {
	switch metric {
	case "units":
		return "Units sold"
	case "revenue", "cost", "profit":
		return label(metric) + " (USD)"
	default:
		return label(metric)
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// titleFrom turns the goal into a chart title: first letter upper case, no
// trailing question mark, at most 80 characters.
func titleFrom(goal string) string {
	t := strings.TrimRight(strings.TrimSpace(goal), "?.! ")
	if utf8.RuneCountInString(t) > 80 {
		t = strings.TrimSpace(string([]rune(t)[:79])) + "…"
	}
	return label(t)
}
