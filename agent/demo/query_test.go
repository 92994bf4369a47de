package demo_test

import (
	"encoding/csv"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// csvRow is a row of data/sales.csv, read by the test itself so expected
// values never come from the code under test.
type csvRow struct {
	month, region, product, category, channel string
	units, revenue, cost                      float64
}

func readCSV(t *testing.T) []csvRow {
	t.Helper()
	f, err := os.Open("data/sales.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []csvRow
	for _, r := range recs[1:] {
		num := func(s string) float64 {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("bad number %q: %v", s, err)
			}
			return v
		}
		rows = append(rows, csvRow{r[0][:7], r[1], r[2], r[3], r[4], num(r[5]), num(r[6]), num(r[7])})
	}
	return rows
}

func (r csvRow) metric(m string) float64 {
	switch m {
	case "units":
		return r.units
	case "cost":
		return r.cost
	case "profit":
		return r.revenue - r.cost
	}
	return r.revenue
}

func sum(rows []csvRow, metric string, keep func(csvRow) bool) (float64, int) {
	var total float64
	n := 0
	for _, r := range rows {
		if keep == nil || keep(r) {
			total += r.metric(metric)
			n++
		}
	}
	return total, n
}

type queryOut struct {
	Metric  string            `json:"metric"`
	GroupBy string            `json:"group_by"`
	Filters map[string]string `json:"filters"`
	Rows    []struct {
		Group string  `json:"group"`
		Value float64 `json:"value"`
	} `json:"rows"`
	Total       float64 `json:"total"`
	RowCount    int     `json:"row_count"`
	RecordCount int     `json:"record_count"`
	Note        string  `json:"note"`
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.006 }

func TestQueryData_DatasetSize(t *testing.T) {
	rows := readCSV(t)
	if len(rows) < 200 || len(rows) > 400 {
		t.Fatalf("sample data has %d rows, want 200-400", len(rows))
	}
}

func TestQueryData_Totals(t *testing.T) {
	rows := readCSV(t)
	for _, metric := range []string{"revenue", "units", "cost", "profit"} {
		t.Run(metric, func(t *testing.T) {
			want, n := sum(rows, metric, nil)
			var out queryOut
			mustCall(t, "query_data", `{"metric":"`+metric+`"}`, "", &out)
			if !near(out.Total, want) {
				t.Errorf("total = %v, want %v", out.Total, want)
			}
			if out.RecordCount != n || out.RowCount != 1 || len(out.Rows) != 1 {
				t.Errorf("record_count %d row_count %d rows %d, want %d, 1, 1", out.RecordCount, out.RowCount, len(out.Rows), n)
			}
			if !near(out.Rows[0].Value, want) {
				t.Errorf("single row value = %v, want %v", out.Rows[0].Value, want)
			}
		})
	}
}

func TestQueryData_GroupByRegion(t *testing.T) {
	rows := readCSV(t)
	var out queryOut
	mustCall(t, "query_data", `{"metric":"profit","group_by":"region"}`, "", &out)
	regions := map[string]bool{}
	for _, r := range rows {
		regions[r.region] = true
	}
	if len(out.Rows) != len(regions) || out.RowCount != len(regions) {
		t.Fatalf("got %d rows, want one per region (%d)", len(out.Rows), len(regions))
	}
	var rowSum float64
	for i, row := range out.Rows {
		want, _ := sum(rows, "profit", func(r csvRow) bool { return r.region == row.Group })
		if !near(row.Value, want) {
			t.Errorf("%s = %v, want %v", row.Group, row.Value, want)
		}
		if i > 0 && out.Rows[i-1].Value < row.Value {
			t.Errorf("default order is not largest first: %v", out.Rows)
		}
		rowSum += row.Value
	}
	if total, _ := sum(rows, "profit", nil); !near(out.Total, total) || !near(rowSum, total) {
		t.Errorf("total %v, rows sum to %v, want %v", out.Total, rowSum, total)
	}
}

func TestQueryData_GroupByTime(t *testing.T) {
	rows := readCSV(t)
	var months queryOut
	mustCall(t, "query_data", `{"metric":"units","group_by":"month"}`, "", &months)
	if len(months.Rows) != 12 {
		t.Fatalf("got %d months, want 12", len(months.Rows))
	}
	for i, row := range months.Rows {
		label := "2025-" + twoDigits(i+1)
		if row.Group != label {
			t.Errorf("row %d = %s, want %s (chronological)", i, row.Group, label)
		}
		want, _ := sum(rows, "units", func(r csvRow) bool { return r.month == label })
		if !near(row.Value, want) {
			t.Errorf("%s = %v, want %v", label, row.Value, want)
		}
	}

	var quarters queryOut
	mustCall(t, "query_data", `{"metric":"revenue","group_by":"quarter"}`, "", &quarters)
	if len(quarters.Rows) != 4 {
		t.Fatalf("got %d quarters, want 4", len(quarters.Rows))
	}
	for q, row := range quarters.Rows {
		if want := "2025-Q" + strconv.Itoa(q+1); row.Group != want {
			t.Errorf("quarter %d = %s, want %s", q, row.Group, want)
		}
		want, _ := sum(rows, "revenue", func(r csvRow) bool {
			m, _ := strconv.Atoi(r.month[5:])
			return (m-1)/3 == q
		})
		if !near(row.Value, want) {
			t.Errorf("%s = %v, want %v", row.Group, row.Value, want)
		}
	}
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func TestQueryData_Filters(t *testing.T) {
	rows := readCSV(t)
	var out queryOut
	mustCall(t, "query_data",
		`{"metric":"revenue","group_by":"product","filters":{"region":"north","category":"SOFTWARE","from":"2025-04","to":"2025-06-30"}}`, "", &out)
	keep := func(r csvRow) bool {
		return r.region == "North" && r.category == "Software" && r.month >= "2025-04" && r.month <= "2025-06"
	}
	want, n := sum(rows, "revenue", keep)
	if n == 0 {
		t.Fatal("test filter matches nothing; pick another")
	}
	if !near(out.Total, want) || out.RecordCount != n {
		t.Errorf("total %v over %d records, want %v over %d", out.Total, out.RecordCount, want, n)
	}
	for _, row := range out.Rows {
		pw, _ := sum(rows, "revenue", func(r csvRow) bool { return keep(r) && r.product == row.Group })
		if !near(row.Value, pw) {
			t.Errorf("%s = %v, want %v", row.Group, row.Value, pw)
		}
	}
	wantFilters := map[string]string{"region": "North", "category": "Software", "from": "2025-04", "to": "2025-06"}
	for k, v := range wantFilters {
		if out.Filters[k] != v {
			t.Errorf("echoed filters = %v, want %v", out.Filters, wantFilters)
			break
		}
	}

	var ch queryOut
	mustCall(t, "query_data", `{"metric":"cost","filters":{"channel":"Partner"}}`, "", &ch)
	if want, n := sum(rows, "cost", func(r csvRow) bool { return r.channel == "Partner" }); !near(ch.Total, want) || ch.RecordCount != n {
		t.Errorf("Partner cost = %v over %d, want %v over %d", ch.Total, ch.RecordCount, want, n)
	}

	var none queryOut
	mustCall(t, "query_data", `{"metric":"revenue","group_by":"region","filters":{"from":"2026-01"}}`, "", &none)
	if none.RecordCount != 0 || none.Total != 0 || len(none.Rows) != 0 || none.Note == "" {
		t.Errorf("query outside the data: %+v, want no rows, zero total and a note", none)
	}
}

func TestQueryData_SortAndLimit(t *testing.T) {
	rows := readCSV(t)
	var all queryOut
	mustCall(t, "query_data", `{"metric":"revenue","group_by":"product","sort":"value_asc"}`, "", &all)
	values := make([]float64, len(all.Rows))
	for i, r := range all.Rows {
		values[i] = r.Value
	}
	if !slices.IsSorted(values) {
		t.Errorf("value_asc rows are not ascending: %v", values)
	}

	var top queryOut
	mustCall(t, "query_data", `{"metric":"revenue","group_by":"product","sort":"value_desc","limit":3}`, "", &top)
	if len(top.Rows) != 3 || top.RowCount != 3 {
		t.Fatalf("limit 3 gave %d rows (row_count %d)", len(top.Rows), top.RowCount)
	}
	for i := range 3 {
		if top.Rows[i] != all.Rows[len(all.Rows)-1-i] {
			t.Errorf("top[%d] = %v, want %v", i, top.Rows[i], all.Rows[len(all.Rows)-1-i])
		}
	}
	if want, _ := sum(rows, "revenue", nil); !near(top.Total, want) {
		t.Errorf("limited total = %v, want the full %v", top.Total, want)
	}

	var byName queryOut
	mustCall(t, "query_data", `{"metric":"units","group_by":"channel","sort":"group"}`, "", &byName)
	labels := make([]string, len(byName.Rows))
	for i, r := range byName.Rows {
		labels[i] = r.Group
	}
	if !slices.IsSorted(labels) || len(labels) == 0 {
		t.Errorf("sort=group labels = %v, want alphabetical", labels)
	}
}

func TestQueryData_Deterministic(t *testing.T) {
	args := `{"metric":"profit","group_by":"category","filters":{"channel":"online"}}`
	a := mustCall(t, "query_data", args, "", nil)
	b := mustCall(t, "query_data", args, "", nil)
	if a.Content != b.Content {
		t.Errorf("same query, different answers:\n%s\n%s", a.Content, b.Content)
	}
	if a.State != nil {
		t.Error("query_data must not change the shared state")
	}
}

func TestQueryData_BadArguments(t *testing.T) {
	cases := []struct {
		name, args, mention string
	}{
		{"unknown metric", `{"metric":"margin"}`, "revenue, units, cost, profit"},
		{"missing metric", `{}`, "metric is required"},
		{"unknown group_by", `{"metric":"revenue","group_by":"city"}`, "group_by"},
		{"unknown region", `{"metric":"revenue","filters":{"region":"Mars"}}`, "East, North, South, West"},
		{"unknown product", `{"metric":"revenue","filters":{"product":"Flux Capacitor"}}`, "CRM Cloud"},
		{"bad date", `{"metric":"revenue","filters":{"from":"April"}}`, "YYYY-MM"},
		{"from after to", `{"metric":"revenue","filters":{"from":"2025-08","to":"2025-02"}}`, "after"},
		{"zero limit", `{"metric":"revenue","group_by":"region","limit":0}`, "limit"},
		{"huge limit", `{"metric":"revenue","group_by":"region","limit":1000}`, "limit"},
		{"unknown sort", `{"metric":"revenue","sort":"up"}`, "value_desc"},
		{"unknown field", `{"metric":"revenue","metrics":"units"}`, "metrics"},
		{"wrong type", `{"metric":42}`, "invalid arguments"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := mustFail(t, "query_data", c.args, "")
			if !strings.Contains(err.Error(), c.mention) {
				t.Errorf("error %q does not mention %q", err, c.mention)
			}
		})
	}
}
