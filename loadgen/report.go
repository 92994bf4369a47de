package loadgen

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"time"
)

//go:embed report.html.tmpl
var reportSource string

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"ms":  fmtMs,
	"mib": func(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) },
	"pct": func(v float64) string { return fmt.Sprintf("%.1f%%", v) },
	"f1":  func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"f2":  func(v float64) string { return fmt.Sprintf("%.2f", v) },
}).Parse(reportSource))

// latencyRow is one line of the report's latency table.
type latencyRow struct {
	Name string
	P    Percentiles
}

type reportData struct {
	R         *Results
	Generated string
	Outcomes  []string
	Latency   []latencyRow
	Charts    []template.HTML
}

// WriteHTML renders res as one self-contained HTML page.
func WriteHTML(w io.Writer, res *Results) error {
	d := reportData{R: res, Generated: time.Now().UTC().Format(time.RFC3339), Outcomes: res.OutcomeNames()}
	for _, m := range []string{MetricHeaders, MetricFirstEvent, MetricFirstToken, MetricTurn, MetricRejected} {
		if p, ok := res.Latency[m]; ok {
			d.Latency = append(d.Latency, latencyRow{m, p})
		}
	}
	d.Charts = charts(res, d.Outcomes)
	return reportTemplate.Execute(w, d)
}

// charts draws the time series: latency percentiles, users in flight,
// outcomes, and the server's memory and CPU when it was sampled.
func charts(res *Results, outcomes []string) []template.HTML {
	n := len(res.Series)
	x := make([]float64, n)
	for i, s := range res.Series {
		x[i] = s.T
	}
	col := func(f func(Sample) float64) []float64 {
		y := make([]float64, n)
		for i, s := range res.Series {
			y[i] = f(s)
		}
		return y
	}
	pct := func(metric string, get func(Percentiles) float64) []float64 {
		return col(func(s Sample) float64 {
			if p, ok := s.Latency[metric]; ok {
				return get(p)
			}
			return math.NaN()
		})
	}
	percentileLines := func(metric string) []series {
		return []series{
			{"p50", palette[0], pct(metric, func(p Percentiles) float64 { return p.P50 })},
			{"p90", palette[1], pct(metric, func(p Percentiles) float64 { return p.P90 })},
			{"p99", palette[3], pct(metric, func(p Percentiles) float64 { return p.P99 })},
			{"max", palette[7], pct(metric, func(p Percentiles) float64 { return p.Max })},
		}
	}
	out := []template.HTML{
		lineChart("Whole turn (ok turns), per interval", "ms", x, percentileLines(MetricTurn)),
		lineChart("Time to first event, per interval", "ms", x, percentileLines(MetricFirstEvent)),
		lineChart("Time to first text token, per interval", "ms", x, percentileLines(MetricFirstToken)),
		lineChart("Users and turns in flight", "count", x, []series{
			{"users active", palette[0], col(func(s Sample) float64 { return float64(s.Users) })},
			{"turns in flight", palette[1], col(func(s Sample) float64 { return float64(s.InFlight) })},
		}),
	}
	var layers []series
	for i, o := range outcomes {
		color, ok := outcomeColors[o]
		if !ok {
			color = palette[(i+4)%len(palette)]
		}
		layers = append(layers, series{o, color, col(func(s Sample) float64 { return float64(s.Outcomes[o]) })})
	}
	out = append(out, stackedBars("Turn outcomes per interval", "turns", x, layers))
	if res.Server != nil && res.Server.Error == "" {
		out = append(out,
			lineChart("Server resident memory", "MiB", x, []series{
				{"RSS", palette[4], col(func(s Sample) float64 { return float64(s.RSSBytes) / (1 << 20) })}}),
			lineChart("Server CPU", "% of one core", x, []series{
				{"CPU", palette[5], col(func(s Sample) float64 { return s.CPUPercent })}}),
		)
	}
	return out
}
