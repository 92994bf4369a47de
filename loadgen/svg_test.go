package loadgen

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestNiceCeil(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want float64 }{
		{0, 1}, {0.7, 1}, {1, 1}, {1.2, 2}, {3, 5}, {7, 10}, {42, 50}, {180, 200}, {1000, 1000}, {math.NaN(), 1},
	} {
		if got := niceCeil(c.in); got != c.want {
			t.Errorf("niceCeil(%g) = %g, want %g", c.in, got, c.want)
		}
	}
}

func TestAxisTop(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want float64 }{
		{0, 1}, {4, 4}, {24, 40}, {72, 80}, {100, 100}, {101, 200}, {0.3, 0.4}, {900, 1000},
	} {
		if got := axisTop(c.in); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("axisTop(%g) = %g, want %g", c.in, got, c.want)
		}
	}
}

func TestLineChart_GapsAndEscaping(t *testing.T) {
	t.Parallel()
	x := []float64{1, 2, 3, 4, 5}
	nan := math.NaN()
	svg := string(lineChart(`<p99> & "co"`, "ms", x, []series{{Name: "a<b", Color: "#000", Y: []float64{1, 2, nan, 4, 5}}}))
	if n := strings.Count(svg, "<polyline"); n != 2 {
		t.Errorf("%d polylines, want 2 (one gap)", n)
	}
	if strings.Contains(svg, "<p99>") || strings.Contains(svg, "a<b") || !strings.Contains(svg, "&lt;p99&gt;") {
		t.Error("labels are not escaped")
	}
	if err := wellFormed(svg); err != nil {
		t.Errorf("not well-formed: %v", err)
	}
	// y max 5 → axis 0..8; the last point (t=5, y=5) is 5/8 up the plot, at the right edge.
	want := fmt.Sprintf("%.1f,%.1f ", padL+plotW, padT+plotH-plotH*5/8)
	if !strings.Contains(svg, want) {
		t.Errorf("no point %q in %s", want, svg)
	}
}

func TestStackedBars_Heights(t *testing.T) {
	t.Parallel()
	svg := string(stackedBars("outcomes", "turns", []float64{1, 2}, []series{
		{Name: "ok", Color: "#0f0", Y: []float64{3, 1}},
		{Name: "429", Color: "#f00", Y: []float64{1, 0}},
	}))
	// yMax is 4 → axis top 4 (steps of 1); 3 turns are 3/4 of the plot height.
	want := fmt.Sprintf("%.1f", plotH*3/4)
	if !strings.Contains(svg, `height="`+want+`"`) {
		t.Errorf("no bar of height %s in %s", want, svg)
	}
	if n := strings.Count(svg, "<title>"); n != 3 {
		t.Errorf("%d bars, want 3 (zero values are not drawn)", n)
	}
}
