package demo

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
)

// query is query_data's arguments.
type query struct {
	Metric  string            `json:"metric"`
	GroupBy string            `json:"group_by,omitempty"`
	Filters map[string]string `json:"filters,omitempty"`
	Sort    string            `json:"sort,omitempty"`
	Limit   int               `json:"limit,omitempty"`
}

// queryResult is the part of query_data's answer the model reads.
type queryResult struct {
	Metric      string            `json:"metric"`
	GroupBy     string            `json:"group_by"`
	Filters     map[string]string `json:"filters"`
	Rows        []row             `json:"rows"`
	Total       float64           `json:"total"`
	RecordCount int               `json:"record_count"`
	Note        string            `json:"note"`
}

type row struct {
	Group string  `json:"group"`
	Value float64 `json:"value"`
}

// dataTurn answers a data question: query_data, then a summary.
func dataTurn(c *conversation, s string) action {
	q, _ := c.queryFor(s, "")
	qc := c.last(queryData)
	if qc == nil {
		return callTool(queryData, q)
	}
	res, failure := queried(qc)
	if failure != "" {
		return reply(failure)
	}
	return reply(summary(res))
}

// queried reads query_data's answer, or says why there is none.
func queried(qc *call) (queryResult, string) {
	var res queryResult
	if qc.failed() {
		return res, "query_data could not answer that: " + qc.err
	}
	if !qc.decode(&res) {
		return res, "query_data returned an answer I cannot read."
	}
	return res, ""
}

// queryFor builds query_data's arguments from the words. A message that
// names no metric, dimension or filter ("now as a pie chart", "draw it")
// follows up the latest earlier query or plan; goal then joins the words
// of that request to these. groupBy is the grouping when none is named.
func (c *conversation) queryFor(s, groupBy string) (q query, goal string) {
	filters, compared := c.filters(s)
	q = query{Metric: metricOf(s), GroupBy: dimensionOf(s), Filters: filters}
	q.Sort, q.Limit = orderOf(s)
	goal = goalOf(c.text)
	if q.Metric == "" && q.GroupBy == "" && len(q.Filters) == 0 && compared == "" {
		if prev := c.lastEarlier(queryData, planVisualization); prev != nil {
			var p struct {
				query
				Goal      string `json:"goal"`
				DataShape struct {
					Metric  string `json:"metric"`
					GroupBy string `json:"group_by"`
				} `json:"data_shape"`
			}
			if prev.bind(&p) {
				q.Metric, q.GroupBy, q.Filters = p.Metric, p.GroupBy, p.Filters
				if prev.name == planVisualization {
					q.Metric, q.GroupBy = p.DataShape.Metric, p.DataShape.GroupBy
				}
				if goal == "" {
					goal = c.earlierGoal(prev)
				} else {
					goal = c.earlierGoal(prev) + " (" + goal + ")"
				}
			}
		}
	}
	if q.Metric == "" {
		q.Metric = "revenue"
	}
	if q.GroupBy == "" {
		q.GroupBy = orDefault(compared, groupBy)
	}
	if goal == "" {
		goal = titleOf(queryResult{Metric: q.Metric, GroupBy: q.GroupBy, Filters: q.Filters})
	}
	return q, goal
}

// goalOf is the user's words as a plan's goal: without the tool names, so
// "plan_visualization" alone has none.
func goalOf(text string) string {
	text = toolUse.ReplaceAllString(text, "")
	if toolName.MatchString(strings.TrimSpace(text)) {
		return ""
	}
	return sentence(text)
}

// earlierGoal is what the request that prev answered was after: the goal
// of the plan made for it, else its words; never the follow-ups' words.
func (c *conversation) earlierGoal(prev *call) string {
	goal := goalOf(prev.user)
	for _, k := range c.earlier {
		var p planArgs
		if k.name == planVisualization && k.user == prev.user && k.bind(&p) && p.Goal != "" {
			goal = p.Goal
		}
	}
	if i := strings.Index(goal, " ("); i > 0 && strings.HasSuffix(goal, ")") {
		goal = goal[:i]
	}
	return orDefault(goal, titleOf(queryResult{}))
}

// filters reads the filters the words name. A dimension's values come from
// the query_data schema ("One of North, South, East, West.", "e.g. CRM
// Cloud") and from earlier answers grouped by it; a dimension with two
// values named ("north and south") is compared, not filtered: it is
// returned as compared. Months need the dataset's year, which the tool's
// description gives.
func (c *conversation) filters(s string) (f map[string]string, compared string) {
	out := map[string]string{}
	for dim, values := range c.filterValues() {
		var named []string
		for _, v := range values {
			if mentions(s, v) {
				named = append(named, v)
			}
		}
		switch {
		case len(named) == 1:
			out[dim] = named[0]
		case len(named) > 1:
			compared = dim
		}
	}
	if from, to := monthsOf(s); from > 0 {
		if year := yearPattern.FindString(c.tools[queryData].Description); year != "" {
			out["from"] = fmt.Sprintf("%s-%02d", year, from)
			out["to"] = fmt.Sprintf("%s-%02d", year, to)
		}
	}
	if len(out) == 0 {
		return nil, compared
	}
	return out, compared
}

var (
	yearPattern    = regexp.MustCompile(`\b20\d\d\b`)
	oneOfPattern   = regexp.MustCompile(`(?i)one of ([^.]+)`)
	examplePattern = regexp.MustCompile(`e\.g\.\s+([^.,;]+)`)
	listSeparator  = regexp.MustCompile(`\s*,\s*|\s+or\s+|\s+and\s+`)
)

func (c *conversation) filterValues() map[string][]string {
	var schema struct {
		Properties struct {
			Filters struct {
				Properties map[string]struct {
					Description string `json:"description"`
				} `json:"properties"`
			} `json:"filters"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(c.tools[queryData].Parameters, &schema) // no schema: no values
	out := map[string][]string{}
	for dim, p := range schema.Properties.Filters.Properties {
		if m := oneOfPattern.FindStringSubmatch(p.Description); m != nil {
			out[dim] = append(out[dim], listSeparator.Split(strings.TrimSpace(m[1]), -1)...)
		}
		if m := examplePattern.FindStringSubmatch(p.Description); m != nil {
			out[dim] = append(out[dim], strings.TrimSpace(m[1]))
		}
	}
	for _, k := range c.earlier {
		var res queryResult
		if k.name != queryData || k.failed() || !k.decode(&res) || out[res.GroupBy] == nil {
			continue
		}
		for _, r := range res.Rows {
			out[res.GroupBy] = append(out[res.GroupBy], r.Group)
		}
	}
	return out
}

// summary puts query_data's answer in a few sentences.
func summary(res queryResult) string {
	scope := scopeOf(res.Filters)
	if res.RecordCount == 0 || len(res.Rows) == 0 {
		return fmt.Sprintf("No records match%s, so there is no %s to report.", orDefault(scope, " that"), res.Metric)
	}
	if res.GroupBy == "" {
		return fmt.Sprintf("Total %s%s: %s, over %d records of the sample sales data.",
			metricName(res.Metric), scope, value(res.Metric, res.Total), res.RecordCount)
	}
	var b strings.Builder
	b.WriteString(titleOf(res))
	b.WriteString(": ")
	// Shares of a time series say little; of parts of a whole, much.
	shares := res.Total > 0 && res.GroupBy != "month" && res.GroupBy != "quarter"
	for _, r := range res.Rows {
		shares = shares && r.Value >= 0
	}
	for i, r := range res.Rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(r.Group + " " + value(res.Metric, r.Value))
		if shares {
			fmt.Fprintf(&b, " (%s)", percent(r.Value, res.Total))
		}
	}
	fmt.Fprintf(&b, "; %s in total. ", value(res.Metric, res.Total))
	hi, lo := res.Rows[0], res.Rows[0]
	for _, r := range res.Rows {
		if r.Value > hi.Value {
			hi = r
		}
		if r.Value < lo.Value {
			lo = r
		}
	}
	switch {
	case len(res.Rows) == 1:
		fmt.Fprintf(&b, "%s is the only %s here.", hi.Group, res.GroupBy)
	case res.GroupBy == "month" || res.GroupBy == "quarter":
		fmt.Fprintf(&b, "The highest was %s at %s, the lowest %s at %s.", hi.Group, value(res.Metric, hi.Value), lo.Group, value(res.Metric, lo.Value))
	case res.Rows[0] == lo && lo != hi:
		fmt.Fprintf(&b, "%s is the lowest, at %s.", lo.Group, value(res.Metric, lo.Value))
	default:
		fmt.Fprintf(&b, "%s leads with %s", hi.Group, value(res.Metric, hi.Value))
		if shares {
			fmt.Fprintf(&b, ", %s of the total", percent(hi.Value, res.Total))
		}
		b.WriteString(".")
	}
	return b.String()
}

// titleOf names what an answer shows: "Revenue by region, North".
func titleOf(res queryResult) string {
	t := sentence(metricName(res.Metric))
	if res.GroupBy != "" {
		t += " by " + res.GroupBy
	}
	return t + scopeOf(res.Filters)
}

func scopeOf(f map[string]string) string {
	var parts []string
	for _, k := range []string{"region", "product", "category", "channel"} {
		if f[k] != "" {
			parts = append(parts, f[k])
		}
	}
	switch {
	case f["from"] != "" && f["from"] == f["to"]:
		parts = append(parts, f["from"])
	case f["from"] != "" || f["to"] != "":
		parts = append(parts, orDefault(f["from"], "start")+" to "+orDefault(f["to"], "end"))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func metricName(metric string) string {
	if metric == "units" {
		return "units sold"
	}
	return metric
}

// value formats an amount of the metric: dollars or units, whole.
func value(metric string, v float64) string {
	n := thousands(int64(math.Round(v)))
	if metric == "units" {
		return n + " units"
	}
	if strings.HasPrefix(n, "-") {
		return "-$" + n[1:]
	}
	return "$" + n
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

func percent(part, total float64) string {
	return fmt.Sprintf("%.0f%%", 100*part/total)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
