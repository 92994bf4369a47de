package demo

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/agentd/agentd/agent"
)

var (
	metrics  = []string{"revenue", "units", "cost", "profit"}
	groupBys = []string{"region", "product", "category", "channel", "month", "quarter"}
	sorts    = []string{"value_desc", "value_asc", "group"}
)

const maxQueryLimit = 100

const queryDataSchema = `{
  "type": "object",
  "properties": {
    "metric": {
      "type": "string",
      "enum": ["revenue", "units", "cost", "profit"],
      "description": "What to sum. revenue and cost are in US dollars; profit is revenue minus cost; units is the number of items sold."
    },
    "group_by": {
      "type": "string",
      "enum": ["region", "product", "category", "channel", "month", "quarter"],
      "description": "Split the total into one row per value of this dimension. Months are labelled 2025-01..2025-12, quarters 2025-Q1..2025-Q4. Omit for a single overall total."
    },
    "filters": {
      "type": "object",
      "description": "Keep only matching records. Text filters match case-insensitively. Values are listed in the error if one does not exist.",
      "properties": {
        "region": {"type": "string", "description": "One of North, South, East, West."},
        "product": {"type": "string", "description": "A product name, e.g. CRM Cloud."},
        "category": {"type": "string", "description": "One of Hardware, Services, Software."},
        "channel": {"type": "string", "description": "One of Online, Partner, Retail."},
        "from": {"type": "string", "description": "First month to include, YYYY-MM or YYYY-MM-DD (data is monthly, a day counts as its month)."},
        "to": {"type": "string", "description": "Last month to include, YYYY-MM or YYYY-MM-DD, inclusive."}
      },
      "additionalProperties": false
    },
    "sort": {
      "type": "string",
      "enum": ["value_desc", "value_asc", "group"],
      "description": "Row order: by value (largest or smallest first) or by group label. Default: group (chronological) for month and quarter, value_desc otherwise."
    },
    "limit": {
      "type": "integer",
      "minimum": 1,
      "maximum": 100,
      "description": "Return at most this many rows after sorting (e.g. 3 for a top 3). The total always covers every matching record."
    }
  },
  "required": ["metric"],
  "additionalProperties": false
}`

// queryArgs are query_data's arguments.
type queryArgs struct {
	Metric  string       `json:"metric"`
	GroupBy string       `json:"group_by"`
	Filters queryFilters `json:"filters"`
	Sort    string       `json:"sort"`
	Limit   *int         `json:"limit"`
}

type queryFilters struct {
	Region   string `json:"region,omitempty"`
	Product  string `json:"product,omitempty"`
	Category string `json:"category,omitempty"`
	Channel  string `json:"channel,omitempty"`
	From     string `json:"from,omitempty"`
	To       string `json:"to,omitempty"`
}

// QueryRow is one group of a query_data answer.
type QueryRow struct {
	Group string  `json:"group"`
	Value float64 `json:"value"`
}

// QueryResult is query_data's answer, encoded as the tool result.
type QueryResult struct {
	Metric  string        `json:"metric"`
	GroupBy string        `json:"group_by,omitempty"`
	Filters *queryFilters `json:"filters,omitempty"`
	Rows    []QueryRow    `json:"rows"`
	// Total sums every matching record, including rows cut by limit.
	Total float64 `json:"total"`
	// RowCount is len(Rows); RecordCount is how many dataset records matched.
	RowCount    int    `json:"row_count"`
	RecordCount int    `json:"record_count"`
	Note        string `json:"note,omitempty"`
}

func queryDataTool() agent.Tool {
	return agent.Tool{
		Name: "query_data",
		Description: "Query the sample 2025 sales dataset (monthly sales by region, product, category and channel). " +
			"Sums a metric (revenue, units, cost or profit), optionally grouped by a dimension or by month/quarter, " +
			"filtered, sorted and limited. Returns JSON rows {group, value}, the total over all matching records and counts. " +
			"Use it for every number you report.",
		Parameters: json.RawMessage(queryDataSchema),
		Run: func(ctx context.Context, c agent.Call) (agent.Result, error) {
			var args queryArgs
			if err := bindArgs(c, &args); err != nil {
				return agent.Result{}, err
			}
			ds, err := salesData()
			if err != nil {
				return agent.Result{}, err
			}
			res, err := runQuery(ds, args)
			if err != nil {
				return agent.Result{}, err
			}
			return agent.JSON(res)
		},
	}
}

// recordFilter is queryFilters checked and resolved against the dataset.
type recordFilter struct {
	region, product, category, channel string
	from, to                           time.Time // months, inclusive; zero: open
}

func (f recordFilter) match(s sale) bool {
	return (f.region == "" || s.Region == f.region) &&
		(f.product == "" || s.Product == f.product) &&
		(f.category == "" || s.Category == f.category) &&
		(f.channel == "" || s.Channel == f.channel) &&
		(f.from.IsZero() || !s.Date.Before(f.from)) &&
		(f.to.IsZero() || !s.Date.After(f.to))
}

func runQuery(ds *dataset, args queryArgs) (QueryResult, error) {
	metric := strings.ToLower(strings.TrimSpace(args.Metric))
	if metric == "" {
		return QueryResult{}, fmt.Errorf("metric is required: one of %s", strings.Join(metrics, ", "))
	}
	if ok, list := oneOf(metric, metrics); !ok {
		return QueryResult{}, fmt.Errorf("unknown metric %q: use one of %s", args.Metric, list)
	}
	groupBy := strings.ToLower(strings.TrimSpace(args.GroupBy))
	if groupBy != "" {
		if ok, list := oneOf(groupBy, groupBys); !ok {
			return QueryResult{}, fmt.Errorf("unknown group_by %q: use one of %s, or omit it for a single total", args.GroupBy, list)
		}
	}
	order := strings.ToLower(strings.TrimSpace(args.Sort))
	if order == "" {
		order = "value_desc"
		if groupBy == "month" || groupBy == "quarter" {
			order = "group"
		}
	} else if ok, list := oneOf(order, sorts); !ok {
		return QueryResult{}, fmt.Errorf("unknown sort %q: use one of %s", args.Sort, list)
	}
	if args.Limit != nil && (*args.Limit < 1 || *args.Limit > maxQueryLimit) {
		return QueryResult{}, fmt.Errorf("limit must be between 1 and %d, got %d", maxQueryLimit, *args.Limit)
	}
	filter, shown, err := resolveFilters(ds, args.Filters)
	if err != nil {
		return QueryResult{}, err
	}

	value := metricOf(metric)
	key := groupKey(groupBy)
	sums := map[string]float64{}
	res := QueryResult{Metric: metric, GroupBy: groupBy, Filters: shown, Rows: []QueryRow{}}
	for _, s := range ds.rows {
		if !filter.match(s) {
			continue
		}
		v := value(s)
		sums[key(s)] += v
		res.Total += v
		res.RecordCount++
	}
	for g, v := range sums {
		res.Rows = append(res.Rows, QueryRow{Group: g, Value: round2(v)})
	}
	sortRows(res.Rows, order)
	if args.Limit != nil && len(res.Rows) > *args.Limit {
		res.Rows = res.Rows[:*args.Limit]
	}
	res.Total = round2(res.Total)
	res.RowCount = len(res.Rows)
	if res.RecordCount == 0 {
		res.Note = "no records match these filters"
	}
	return res, nil
}

// resolveFilters checks each filter against the dataset and returns the
// matcher plus the filters in the dataset's spelling, to echo to the model.
func resolveFilters(ds *dataset, in queryFilters) (recordFilter, *queryFilters, error) {
	var f recordFilter
	out := queryFilters{}
	texts := []struct {
		name   string
		value  string
		values []string
		dst    *string
		echo   *string
	}{
		{"region", in.Region, ds.regions, &f.region, &out.Region},
		{"product", in.Product, ds.products, &f.product, &out.Product},
		{"category", in.Category, ds.categories, &f.category, &out.Category},
		{"channel", in.Channel, ds.channels, &f.channel, &out.Channel},
	}
	for _, t := range texts {
		if strings.TrimSpace(t.value) == "" {
			continue
		}
		v, ok := canonical(t.value, t.values)
		if !ok {
			return f, nil, fmt.Errorf("unknown %s %q: the dataset has %s", t.name, t.value, strings.Join(t.values, ", "))
		}
		*t.dst, *t.echo = v, v
	}
	var err error
	if f.from, err = parseMonth("from", in.From); err != nil {
		return f, nil, err
	}
	if f.to, err = parseMonth("to", in.To); err != nil {
		return f, nil, err
	}
	if !f.from.IsZero() && !f.to.IsZero() && f.from.After(f.to) {
		return f, nil, fmt.Errorf("filters.from (%s) is after filters.to (%s)", in.From, in.To)
	}
	if !f.from.IsZero() {
		out.From = f.from.Format("2006-01")
	}
	if !f.to.IsZero() {
		out.To = f.to.Format("2006-01")
	}
	if out == (queryFilters{}) {
		return f, nil, nil
	}
	return f, &out, nil
}

// parseMonth reads YYYY-MM or YYYY-MM-DD and returns the first day of that
// month, since the data has one record per month.
func parseMonth(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC), nil
		}
	}
	return time.Time{}, fmt.Errorf("filters.%s %q is not a date: use YYYY-MM or YYYY-MM-DD", field, s)
}

func metricOf(metric string) func(sale) float64 {
	switch metric {
	case "units":
		return func(s sale) float64 { return s.Units }
	case "cost":
		return func(s sale) float64 { return s.Cost }
	case "profit":
		return func(s sale) float64 { return s.Revenue - s.Cost }
	default:
		return func(s sale) float64 { return s.Revenue }
	}
}

func groupKey(groupBy string) func(sale) string {
	switch groupBy {
	case "region":
		return func(s sale) string { return s.Region }
	case "product":
		return func(s sale) string { return s.Product }
	case "category":
		return func(s sale) string { return s.Category }
	case "channel":
		return func(s sale) string { return s.Channel }
	case "month":
		return func(s sale) string { return s.Date.Format("2006-01") }
	case "quarter":
		return func(s sale) string { return fmt.Sprintf("%d-Q%d", s.Date.Year(), (int(s.Date.Month())+2)/3) }
	default:
		return func(sale) string { return "all" }
	}
}

// sortRows orders rows; ties on value fall back to the label so the output
// is the same on every call.
func sortRows(rows []QueryRow, order string) {
	slices.SortFunc(rows, func(a, b QueryRow) int {
		switch order {
		case "value_desc":
			if c := cmp.Compare(b.Value, a.Value); c != 0 {
				return c
			}
		case "value_asc":
			if c := cmp.Compare(a.Value, b.Value); c != 0 {
				return c
			}
		}
		return strings.Compare(a.Group, b.Group)
	})
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
