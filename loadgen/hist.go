package loadgen

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latency metrics, as named in the results.
const (
	MetricHeaders    = "headers"     // to response headers, every turn that got a response
	MetricFirstEvent = "first_event" // to the first SSE event
	MetricFirstToken = "first_token" // to the first text delta
	MetricTurn       = "turn"        // whole turn, ok turns only
	MetricRejected   = "rejected"    // whole turn, 429/503/409 rejections only
)

// histogram range: 1 µs to 1 h at 3 significant digits (0.1% error).
const (
	histMinMicros = 1
	histMaxMicros = int64(time.Hour / time.Microsecond)
	histDigits    = 3
)

// Percentiles summarise one latency distribution, in milliseconds.
type Percentiles struct {
	Count int64   `json:"count"`
	Min   float64 `json:"min"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
}

// histogram records durations in microseconds. It is not safe for
// concurrent use; the recorder guards it.
type histogram struct {
	h *hdrhistogram.Histogram
}

func newHistogram() *histogram {
	return &histogram{h: hdrhistogram.New(histMinMicros, histMaxMicros, histDigits)}
}

// record adds d, clamped to the trackable range so no sample is lost.
func (h *histogram) record(d time.Duration) {
	us := min(max(d.Microseconds(), histMinMicros), histMaxMicros)
	_ = h.h.RecordValue(us) // in range by construction
}

func (h *histogram) summary() Percentiles {
	ms := func(us int64) float64 { return float64(us) / 1000 }
	if h.h.TotalCount() == 0 {
		return Percentiles{}
	}
	return Percentiles{
		Count: h.h.TotalCount(),
		Min:   ms(h.h.Min()),
		Mean:  h.h.Mean() / 1000,
		P50:   ms(h.h.ValueAtQuantile(50)),
		P90:   ms(h.h.ValueAtQuantile(90)),
		P99:   ms(h.h.ValueAtQuantile(99)),
		P999:  ms(h.h.ValueAtQuantile(99.9)),
		Max:   ms(h.h.Max()),
	}
}

func (h *histogram) reset() { h.h.Reset() }
