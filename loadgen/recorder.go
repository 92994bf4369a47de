package loadgen

import (
	"strconv"
	"sync"
	"time"
)

// maxDetails is how many error messages are kept per outcome.
const maxDetails = 5

// RetryAfterCount says how many rejections carried Retry-After.
type RetryAfterCount struct {
	With    int64 `json:"with"`
	Without int64 `json:"without"`
}

// Sample is one interval of the time series.
type Sample struct {
	T          float64                `json:"t"`         // seconds since the start, at the end of the interval
	Users      int64                  `json:"users"`     // virtual users started and not yet done
	InFlight   int64                  `json:"inFlight"`  // turns waiting on the server
	Outcomes   map[string]int64       `json:"outcomes"`  // turns that ended in the interval
	Latency    map[string]Percentiles `json:"latency"`   // of turns that ended in the interval
	Recovered  Recovery               `json:"recovered"` // how the interval's turns got through
	RSSBytes   int64                  `json:"rssBytes,omitempty"`
	CPUPercent float64                `json:"cpuPercent,omitempty"` // of one core
}

// recorder aggregates turn results, overall and per interval.
type recorder struct {
	mu         sync.Mutex
	start      time.Time
	overall    map[string]*histogram
	window     map[string]*histogram
	outcomes   map[string]int64
	winOut     map[string]int64
	winRec     Recovery
	statuses   map[string]int64
	retryAfter map[string]*RetryAfterCount
	details    map[string][]string
	silent     int64
	recovery   Recovery
	series     []Sample
}

// Recovery counts how turns got through: ok turns by what it took, and
// the retries and rejoins sent in all.
type Recovery struct {
	OKFirstTry    int64 `json:"okFirstTry"`
	OKAfterRetry  int64 `json:"okAfterRetry"`  // refused or not reached, then sent again (no rejoin)
	OKAfterRejoin int64 `json:"okAfterRejoin"` // a stream dropped and was rejoined
	Retries       int64 `json:"retries"`
	Rejoins       int64 `json:"rejoins"`
}

// windowMetrics are the latencies kept per interval.
var windowMetrics = []string{MetricFirstEvent, MetricFirstToken, MetricTurn}

func (c *Recovery) add(t TurnResult) {
	c.Retries += int64(t.Retries)
	c.Rejoins += int64(t.Rejoins)
	if t.Outcome == OutcomeOK {
		switch {
		case t.Rejoins > 0:
			c.OKAfterRejoin++
		case t.Retries > 0:
			c.OKAfterRetry++
		default:
			c.OKFirstTry++
		}
	}
}

func newRecorder(start time.Time) *recorder {
	r := &recorder{
		start: start, overall: map[string]*histogram{}, window: map[string]*histogram{},
		outcomes: map[string]int64{}, winOut: map[string]int64{}, statuses: map[string]int64{},
		retryAfter: map[string]*RetryAfterCount{}, details: map[string][]string{},
	}
	for _, m := range []string{MetricHeaders, MetricFirstEvent, MetricFirstToken, MetricTurn, MetricRejected} {
		r.overall[m] = newHistogram()
	}
	for _, m := range windowMetrics {
		r.window[m] = newHistogram()
	}
	return r
}

func (r *recorder) record(t TurnResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.outcomes[t.Outcome]++
	r.winOut[t.Outcome]++
	if t.Status != 0 {
		r.statuses[strconv.Itoa(t.Status)]++
	}
	if wantsRetryAfter(t.Outcome) {
		c := r.retryAfter[t.Outcome]
		if c == nil {
			c = &RetryAfterCount{}
			r.retryAfter[t.Outcome] = c
		}
		if t.RetryAfter {
			c.With++
		} else {
			c.Without++
		}
	}
	if t.Silent {
		r.silent++
	}
	r.recovery.add(t)
	r.winRec.add(t)
	if t.Detail != "" && len(r.details[t.Outcome]) < maxDetails {
		r.details[t.Outcome] = append(r.details[t.Outcome], t.Detail)
	}
	r.add(MetricHeaders, t.Headers, false)
	r.add(MetricFirstEvent, t.FirstEvent, true)
	r.add(MetricFirstToken, t.FirstToken, true)
	switch t.Outcome {
	case OutcomeOK:
		r.add(MetricTurn, t.Total, true)
	case Outcome429, Outcome503, Outcome409:
		r.add(MetricRejected, t.Total, false)
	}
}

// add records d in the overall histogram (and the interval's), unless the
// turn never reached that point.
func (r *recorder) add(metric string, d time.Duration, window bool) {
	if d <= 0 {
		return
	}
	r.overall[metric].record(d)
	if window {
		r.window[metric].record(d)
	}
}

// tick closes an interval.
func (r *recorder) tick(now time.Time, users, inFlight int64, proc *procSample) Sample {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Sample{
		T: now.Sub(r.start).Seconds(), Users: users, InFlight: inFlight,
		Outcomes: r.winOut, Latency: map[string]Percentiles{}, Recovered: r.winRec,
	}
	r.winRec = Recovery{}
	for _, m := range windowMetrics {
		if r.window[m].h.TotalCount() > 0 {
			s.Latency[m] = r.window[m].summary()
		}
		r.window[m].reset()
	}
	if proc != nil {
		s.RSSBytes, s.CPUPercent = proc.RSSBytes, proc.CPUPercent
	}
	r.winOut = map[string]int64{}
	r.series = append(r.series, s)
	return s
}

// totals returns the counts so far, for the progress line.
func (r *recorder) totals() (turns int64, outcomes map[string]int64, p99 map[string]float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	outcomes = make(map[string]int64, len(r.outcomes))
	for k, v := range r.outcomes {
		outcomes[k] = v
		turns += v
	}
	p99 = map[string]float64{}
	for _, m := range []string{MetricFirstEvent, MetricTurn} {
		if h := r.overall[m]; h.h.TotalCount() > 0 {
			p99[m] = float64(h.h.ValueAtQuantile(99)) / 1000
		}
	}
	return turns, outcomes, p99
}
