package runs

import (
	"time"

	"github.com/agentd/agentd/llm"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// metrics are what the run manager measures. A nil Registerer in Config
// gives metrics that are counted but not exported.
type metrics struct {
	inFlight   prometheus.Gauge
	ended      *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	firstToken prometheus.Histogram
	store      *prometheus.HistogramVec
	tokens     *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	return &metrics{
		inFlight: f.NewGauge(prometheus.GaugeOpts{Name: "agentd_runs_in_flight", Help: "Runs executing on this instance."}),
		ended: f.NewCounterVec(prometheus.CounterOpts{Name: "agentd_runs_ended_total",
			Help: "Runs ended, by status and RUN_ERROR code (\"\" when it finished)."}, []string{"status", "code"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{Name: "agentd_run_duration_seconds", Help: "Whole-run duration.",
			Buckets: prometheus.ExponentialBucketsRange(0.005, 600, 16)}, []string{"status"}),
		firstToken: f.NewHistogram(prometheus.HistogramOpts{Name: "agentd_run_first_token_seconds",
			Help:    "Time from the run's start to its first model output (text or tool call).",
			Buckets: prometheus.ExponentialBucketsRange(0.001, 60, 16)}),
		store: f.NewHistogramVec(prometheus.HistogramOpts{Name: "agentd_store_op_seconds", Help: "Store operation latency.",
			Buckets: prometheus.ExponentialBucketsRange(0.0001, 10, 14)}, []string{"op"}),
		tokens: f.NewCounterVec(prometheus.CounterOpts{Name: "agentd_model_tokens_total",
			Help: "Tokens of model calls as the providers reported them, by agent, model and kind (input, output, cached_input; input includes cached_input)."},
			[]string{"agent", "model", "kind"}),
	}
}

// countTokens adds one model call's usage to the token counter.
func (m *metrics) countTokens(agent string, u llm.Usage) {
	for _, k := range []struct {
		kind string
		n    int
	}{{"input", u.InputTokens}, {"output", u.OutputTokens}, {"cached_input", u.CachedInputTokens}} {
		m.tokens.WithLabelValues(agent, u.Model, k.kind).Add(float64(k.n))
	}
}

func (m *metrics) storeOp(op string, start time.Time) {
	m.store.WithLabelValues(op).Observe(time.Since(start).Seconds())
}
