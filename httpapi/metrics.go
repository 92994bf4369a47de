package httpapi

import (
	"github.com/agentd/agentd/admission"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

type metrics struct {
	rejected   *prometheus.CounterVec
	sseClients prometheus.Gauge
	// streamsEnded counts SSE streams by why they ended: the run's end was
	// sent, the client left or stalled, or a RUN_ERROR code of the stream's.
	streamsEnded *prometheus.CounterVec
	slotWait     prometheus.Histogram
	firstEvent   prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer, budget *admission.Budget) *metrics {
	f := promauto.With(reg)
	if budget != nil {
		f.NewGaugeFunc(prometheus.GaugeOpts{Name: "agentd_run_slots_in_use", Help: "Run budget slots taken."},
			func() float64 { return float64(budget.InUse()) })
		f.NewGaugeFunc(prometheus.GaugeOpts{Name: "agentd_run_slots", Help: "Run budget size (--max-runs)."},
			func() float64 { return float64(budget.Cap()) })
	}
	return &metrics{
		rejected: f.NewCounterVec(prometheus.CounterOpts{Name: "agentd_runs_rejected_total",
			Help: "Run requests refused before streaming, by reason (the error code)."}, []string{"reason"}),
		sseClients: f.NewGauge(prometheus.GaugeOpts{Name: "agentd_sse_clients", Help: "Open SSE streams."}),
		streamsEnded: f.NewCounterVec(prometheus.CounterOpts{Name: "agentd_streams_ended_total",
			Help: "SSE streams ended, by reason: run_ended, client_left, client_stalled, or the RUN_ERROR code the stream ended with."}, []string{"reason"}),
		slotWait: f.NewHistogram(prometheus.HistogramOpts{Name: "agentd_run_slot_wait_seconds",
			Help: "Time a run request waited for a slot in the run budget.", Buckets: prometheus.ExponentialBucketsRange(0.0001, 10, 12)}),
		firstEvent: f.NewHistogram(prometheus.HistogramOpts{Name: "agentd_run_first_event_seconds",
			Help:    "Server-added latency of a run: from its request's handler to its first event flushed to the client.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}),
	}
}
