package loadgen

import (
	"math"
	"testing"
	"time"
)

// near reports whether got is within HDR's 0.1% (plus one microsecond) of want.
func near(got, want float64) bool {
	return math.Abs(got-want) <= want*0.001+0.001
}

func TestHistogram_PercentilesOfKnownValues(t *testing.T) {
	t.Parallel()
	h := newHistogram()
	for i := 1; i <= 1000; i++ { // 1 ms … 1000 ms, once each
		h.record(time.Duration(i) * time.Millisecond)
	}
	p := h.summary()
	want := Percentiles{Count: 1000, Min: 1, Mean: 500.5, P50: 500, P90: 900, P99: 990, P999: 999, Max: 1000}
	if p.Count != want.Count {
		t.Fatalf("count %d, want %d", p.Count, want.Count)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"min", p.Min, want.Min}, {"mean", p.Mean, want.Mean}, {"p50", p.P50, want.P50}, {"p90", p.P90, want.P90},
		{"p99", p.P99, want.P99}, {"p99.9", p.P999, want.P999}, {"max", p.Max, want.Max},
	} {
		if !near(c.got, c.want) {
			t.Errorf("%s = %g ms, want %g ms (±0.1%%)", c.name, c.got, c.want)
		}
	}
}

func TestHistogram_SkewedDistribution(t *testing.T) {
	t.Parallel()
	h := newHistogram()
	for range 990 {
		h.record(10 * time.Millisecond)
	}
	for range 10 {
		h.record(5 * time.Second)
	}
	p := h.summary()
	if !near(p.P50, 10) || !near(p.P99, 10) || !near(p.P999, 5000) || !near(p.Max, 5000) {
		t.Errorf("p50 %g p99 %g p99.9 %g max %g; want 10, 10, 5000, 5000", p.P50, p.P99, p.P999, p.Max)
	}
	if !near(p.Mean, (990*10+10*5000)/1000.0) {
		t.Errorf("mean %g, want 59.9", p.Mean)
	}
}

func TestHistogram_ClampsOutOfRange(t *testing.T) {
	t.Parallel()
	h := newHistogram()
	h.record(0)
	h.record(3 * time.Hour)
	p := h.summary()
	if p.Count != 2 || !near(p.Min, 0.001) || !near(p.Max, float64(time.Hour/time.Millisecond)) {
		t.Errorf("summary %+v: want both samples kept, clamped to [1µs, 1h]", p)
	}
	h.reset()
	if got := h.summary(); got != (Percentiles{}) {
		t.Errorf("after reset: %+v", got)
	}
}

func TestRecorder_CountsAndWindows(t *testing.T) {
	t.Parallel()
	start := time.Now()
	r := newRecorder(start)
	ms := time.Millisecond
	r.record(TurnResult{Outcome: OutcomeOK, Status: 200, Headers: 5 * ms, FirstEvent: 10 * ms, FirstToken: 20 * ms, Total: 100 * ms})
	r.record(TurnResult{Outcome: OutcomeOK, Status: 200, Headers: 5 * ms, FirstEvent: 30 * ms, FirstToken: 40 * ms, Total: 300 * ms})
	r.record(TurnResult{Outcome: Outcome429, Status: 429, RetryAfter: true, Headers: 2 * ms, Total: 2 * ms, Detail: "HTTP 429"})
	r.record(TurnResult{Outcome: Outcome503, Status: 503, Headers: 3 * ms, Total: 3 * ms, Detail: "HTTP 503"})
	r.record(TurnResult{Outcome: OutcomeTimeout, Silent: true, Total: time.Second, Detail: "deadline"})
	s := r.tick(start.Add(time.Second), 7, 3, nil)
	if s.T != 1 || s.Users != 7 || s.InFlight != 3 {
		t.Errorf("sample header %+v", s)
	}
	if s.Outcomes[OutcomeOK] != 2 || s.Outcomes[Outcome429] != 1 || s.Outcomes[OutcomeTimeout] != 1 {
		t.Errorf("window outcomes %v", s.Outcomes)
	}
	if got := s.Latency[MetricTurn]; got.Count != 2 || !near(got.Max, 300) || !near(got.Min, 100) {
		t.Errorf("window turn latency %+v", got)
	}
	if r.overall[MetricRejected].h.TotalCount() != 2 || r.overall[MetricHeaders].h.TotalCount() != 4 {
		t.Errorf("rejected %d, headers %d; want 2 and 4",
			r.overall[MetricRejected].h.TotalCount(), r.overall[MetricHeaders].h.TotalCount())
	}
	if r.silent != 1 || *r.retryAfter[Outcome429] != (RetryAfterCount{With: 1}) || *r.retryAfter[Outcome503] != (RetryAfterCount{Without: 1}) {
		t.Errorf("silent %d, retry-after %+v %+v", r.silent, *r.retryAfter[Outcome429], *r.retryAfter[Outcome503])
	}
	// The next interval starts empty; the overall histograms keep everything.
	r.record(TurnResult{Outcome: OutcomeOK, Total: 50 * ms})
	s2 := r.tick(start.Add(2*time.Second), 7, 0, nil)
	if s2.Outcomes[OutcomeOK] != 1 || len(s2.Outcomes) != 1 || s2.Latency[MetricTurn].Count != 1 {
		t.Errorf("second window %+v", s2)
	}
	if _, ok := s2.Latency[MetricFirstEvent]; ok {
		t.Error("second window has first-event latency, but no turn in it had an event")
	}
	if n := r.overall[MetricTurn].h.TotalCount(); n != 3 {
		t.Errorf("overall turn count %d, want 3", n)
	}
}
