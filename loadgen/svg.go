package loadgen

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Charts are drawn here as inline SVG so the report needs no script, font
// or stylesheet from anywhere.

// series is one named line (or bar layer); NaN marks an interval without data.
type series struct {
	Name  string
	Color string
	Y     []float64
}

const (
	chartW, chartH             = 760.0, 260.0
	padL, padR, padT, padB     = 64.0, 16.0, 52.0, 34.0
	plotW, plotH               = chartW - padL - padR, chartH - padT - padB
	svgOpen                    = `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-label="%s">`
	axisStyle, gridStyle       = `stroke="#555" stroke-width="1"`, `stroke="#ddd" stroke-width="1"`
	textStyle, titleTextStyle  = `font-family="sans-serif" font-size="11" fill="#333"`, `font-family="sans-serif" font-size="14" font-weight="bold" fill="#111"`
	legendSwatch, legendStride = 12.0, 150.0
)

// palette colours series that have no fixed colour.
var palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

// outcomeColors keep outcomes recognisable from chart to chart.
var outcomeColors = map[string]string{
	OutcomeOK: "#2ca02c", Outcome429: "#ff7f0e", Outcome503: "#d62728", Outcome409: "#9467bd",
	OutcomeHTTPOther: "#8c564b", OutcomeTimeout: "#000000", OutcomeStreamError: "#e377c2",
	OutcomeProtocolError: "#17becf", OutcomeCancelled: "#7f7f7f",
}

// lineChart draws lines over x (seconds).
func lineChart(title, unit string, x []float64, lines []series) template.HTML {
	yMax := 0.0
	for _, s := range lines {
		for _, v := range s.Y {
			if !math.IsNaN(v) {
				yMax = max(yMax, v)
			}
		}
	}
	var b strings.Builder
	top := axisTop(yMax)
	frame(&b, title, unit, x, top, lines)
	sx, sy := scales(x, top)
	for _, s := range lines {
		var pts [][2]float64
		flush := func() {
			switch len(pts) {
			case 0:
			case 1:
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2" fill="%s"/>`, pts[0][0], pts[0][1], s.Color)
			default:
				fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.8" points="`, s.Color)
				for _, p := range pts {
					fmt.Fprintf(&b, "%.1f,%.1f ", p[0], p[1])
				}
				b.WriteString(`"/>`)
			}
			pts = pts[:0]
		}
		for i, v := range s.Y {
			if i >= len(x) || math.IsNaN(v) {
				flush()
				continue
			}
			pts = append(pts, [2]float64{sx(x[i]), sy(v)})
		}
		flush()
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers and escaped labels only
}

// stackedBars draws one bar per interval with a layer per series.
func stackedBars(title, unit string, x []float64, layers []series) template.HTML {
	yMax := 0.0
	for i := range x {
		sum := 0.0
		for _, s := range layers {
			sum += s.Y[i]
		}
		yMax = max(yMax, sum)
	}
	var b strings.Builder
	top := axisTop(yMax)
	frame(&b, title, unit, x, top, layers)
	sx, sy := scales(x, top)
	for i := range x {
		// a sample closes the interval (x[i-1], x[i]]: the bar spans it
		left := 0.0
		if i > 0 {
			left = x[i-1]
		}
		gap := (sx(x[i]) - sx(left)) * 0.1
		bx, w := sx(left)+gap, max(sx(x[i])-sx(left)-2*gap, 0.5)
		base := 0.0
		for _, s := range layers {
			v := s.Y[i]
			if v <= 0 {
				continue
			}
			y0, y1 := sy(base+v), sy(base)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %g</title></rect>`,
				bx, y0, w, y1-y0, s.Color, template.HTMLEscapeString(s.Name), v)
			base += v
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers and escaped labels only
}

// frame writes the svg element, title, legend, grid and axes.
func frame(b *strings.Builder, title, unit string, x []float64, yMax float64, ss []series) {
	fmt.Fprintf(b, svgOpen, chartW, chartH, chartW, chartH, template.HTMLEscapeString(title))
	fmt.Fprintf(b, `<text x="%g" y="18" %s>%s</text>`, padL, titleTextStyle, template.HTMLEscapeString(title))
	for i, s := range ss {
		lx := padL + float64(i%4)*legendStride
		ly := 30.0 + float64(i/4)*12
		fmt.Fprintf(b, `<rect x="%g" y="%g" width="%g" height="8" fill="%s"/><text x="%g" y="%g" %s>%s</text>`,
			lx, ly-7, legendSwatch, s.Color, lx+legendSwatch+4, ly+1, textStyle, template.HTMLEscapeString(s.Name))
	}
	sx, sy := scales(x, yMax)
	for i := 0; i <= 4; i++ {
		v := yMax * float64(i) / 4
		y := sy(v)
		fmt.Fprintf(b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" %s/>`, padL, y, padL+plotW, y, gridStyle)
		fmt.Fprintf(b, `<text x="%g" y="%.1f" text-anchor="end" %s>%s</text>`, padL-6, y+4, textStyle, tickLabel(v))
	}
	if len(x) > 0 {
		xMax := x[len(x)-1]
		step := niceCeil(xMax / 6)
		for v := 0.0; step > 0 && v <= xMax+1e-9; v += step {
			fmt.Fprintf(b, `<text x="%.1f" y="%g" text-anchor="middle" %s>%ss</text>`, sx(v), padT+plotH+16, textStyle, tickLabel(v))
		}
	}
	fmt.Fprintf(b, `<line x1="%g" y1="%g" x2="%g" y2="%g" %s/>`, padL, padT+plotH, padL+plotW, padT+plotH, axisStyle)
	fmt.Fprintf(b, `<line x1="%g" y1="%g" x2="%g" y2="%g" %s/>`, padL, padT, padL, padT+plotH, axisStyle)
	fmt.Fprintf(b, `<text x="12" y="%g" transform="rotate(-90 12 %g)" text-anchor="middle" %s>%s</text>`,
		padT+plotH/2, padT+plotH/2, textStyle, template.HTMLEscapeString(unit))
}

// scales map data to pixels: x from 0 to the last x, y from 0 to yMax.
func scales(x []float64, yMax float64) (sx, sy func(float64) float64) {
	xMax := 1.0
	if len(x) > 0 && x[len(x)-1] > 0 {
		xMax = x[len(x)-1]
	}
	if yMax <= 0 {
		yMax = 1
	}
	sx = func(v float64) float64 { return padL + v/xMax*plotW }
	sy = func(v float64) float64 { return padT + plotH - v/yMax*plotH }
	return sx, sy
}

// axisTop is the top of a y axis with four gridlines at round steps.
func axisTop(yMax float64) float64 {
	if yMax <= 0 || math.IsNaN(yMax) || math.IsInf(yMax, 0) {
		return 1
	}
	step := yMax / 4
	p := math.Pow(10, math.Floor(math.Log10(step)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if step <= m*p*(1+1e-9) {
			return 4 * m * p
		}
	}
	return 40 * p
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

func tickLabel(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%gM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%gk", v/1e3)
	}
	return fmt.Sprintf("%g", math.Round(v*100)/100)
}
