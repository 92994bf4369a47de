package loadgen

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Results are what a run measured; they are written as JSON and rendered
// as the HTML report.
type Results struct {
	Config     ConfigEcho                 `json:"config"`
	Started    time.Time                  `json:"started"`
	Elapsed    float64                    `json:"elapsedSeconds"`
	StoppedBy  string                     `json:"stoppedBy"` // completed | max_turns | duration | cancelled
	Turns      int64                      `json:"turns"`
	Outcomes   map[string]int64           `json:"outcomes"`
	HTTPStatus map[string]int64           `json:"httpStatus"`
	RetryAfter map[string]RetryAfterCount `json:"retryAfter"` // for 429 and 503
	Silent     int64                      `json:"silentFailures"`
	Recovery   Recovery                   `json:"recovery"`
	Verify     *Verification              `json:"verify,omitempty"` // with Config.Verify
	Throughput Throughput                 `json:"throughput"`
	Latency    map[string]Percentiles     `json:"latency"`
	Series     []Sample                   `json:"series"`
	Server     *ServerStats               `json:"server,omitempty"`
	Errors     map[string][]string        `json:"errorSamples,omitempty"`
}

// Throughput is turns per second over the whole run.
type Throughput struct {
	TurnsPerSec float64 `json:"turnsPerSec"`
	OKPerSec    float64 `json:"okPerSec"`
}

// ConfigEcho is the configuration as it appears in the results.
type ConfigEcho struct {
	URLs        []string `json:"urls"`
	Users       int      `json:"users"`
	RampUp      string   `json:"rampUp"`
	Turns       int      `json:"turnsPerUser"`
	ThinkTime   string   `json:"thinkTime"`
	History     string   `json:"history"`
	TurnTimeout string   `json:"turnTimeout"`
	Duration    string   `json:"duration"`
	MaxTurns    int      `json:"maxTurns"`
	Retry       int      `json:"retry,omitempty"`
	Rejoin      int      `json:"rejoin,omitempty"`
	Tools       []string `json:"tools,omitempty"`
	PID         int      `json:"pid,omitempty"`
}

func (r *runner) results(ctx context.Context, start, end time.Time, proc *procSampler) *Results {
	c := r.cfg
	res := &Results{
		Config: ConfigEcho{
			URLs: c.URLs, Users: c.Users, RampUp: c.RampUp.String(), Turns: c.Turns,
			ThinkTime: c.ThinkTime.String(), History: string(c.History), TurnTimeout: c.TurnTimeout.String(),
			Duration: c.Duration.String(), MaxTurns: c.MaxTurns, Retry: c.Retry, Rejoin: c.Rejoin, PID: c.PID,
		},
		Started: start, Elapsed: end.Sub(start).Seconds(), StoppedBy: "completed",
		RetryAfter: map[string]RetryAfterCount{}, Latency: map[string]Percentiles{},
	}
	for _, t := range c.Tools {
		res.Config.Tools = append(res.Config.Tools, t.Name)
	}
	switch {
	case ctx.Err() != nil:
		res.StoppedBy = "cancelled"
	case r.budgetHit.Load():
		res.StoppedBy = "max_turns"
	case r.durationHit.Load():
		res.StoppedBy = "duration"
	}
	rec := r.rec
	rec.mu.Lock()
	defer rec.mu.Unlock()
	res.Outcomes, res.HTTPStatus, res.Errors = maps.Clone(rec.outcomes), maps.Clone(rec.statuses), maps.Clone(rec.details)
	for k, v := range rec.retryAfter {
		res.RetryAfter[k] = *v
	}
	for _, n := range res.Outcomes {
		res.Turns += n
	}
	res.Silent, res.Recovery = rec.silent, rec.recovery
	for m, h := range rec.overall {
		if h.h.TotalCount() > 0 {
			res.Latency[m] = h.summary()
		}
	}
	res.Series = rec.series
	if res.Elapsed > 0 {
		res.Throughput = Throughput{
			TurnsPerSec: float64(res.Turns) / res.Elapsed,
			OKPerSec:    float64(res.Outcomes[OutcomeOK]) / res.Elapsed,
		}
	}
	if proc != nil {
		res.Server = proc.stats(end.Sub(start), res.Turns)
	}
	return res
}

// WriteJSON writes the results, indented.
func (res *Results) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

// OutcomeNames lists the outcomes seen, ok first, then the rest by name.
func (res *Results) OutcomeNames() []string {
	names := slices.Sorted(maps.Keys(res.Outcomes))
	slices.SortStableFunc(names, func(a, b string) int {
		return boolInt(b == OutcomeOK) - boolInt(a == OutcomeOK)
	})
	return names
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Summary is a short plain-text digest for the terminal.
func (res *Results) Summary() string {
	var b strings.Builder
	fmtf(&b, "%d turns in %.1fs (%.1f turns/s, %.1f ok/s), stopped by %s\n",
		res.Turns, res.Elapsed, res.Throughput.TurnsPerSec, res.Throughput.OKPerSec, res.StoppedBy)
	for _, o := range res.OutcomeNames() {
		fmtf(&b, "  %-24s %d\n", o, res.Outcomes[o])
	}
	for _, o := range []string{Outcome429, Outcome503} {
		if c, ok := res.RetryAfter[o]; ok {
			fmtf(&b, "  %s with Retry-After: %d of %d\n", o, c.With, c.With+c.Without)
		}
	}
	fmtf(&b, "  silent failures          %d\n", res.Silent)
	if c := res.Config; c.Retry > 0 || c.Rejoin > 0 {
		rc := res.Recovery
		fmtf(&b, "  ok at first try %d, after retry %d, after rejoin %d (%d retries, %d rejoins sent)\n",
			rc.OKFirstTry, rc.OKAfterRetry, rc.OKAfterRejoin, rc.Retries, rc.Rejoins)
	}
	if v := res.Verify; v != nil {
		fmtf(&b, "  verified %d finished turns in %d threads: %d lost, %d threads unreadable\n", v.Turns, v.Threads, v.Lost, v.Unreadable)
		for _, s := range v.Samples {
			fmtf(&b, "    %s\n", s)
		}
	}
	for _, m := range []string{MetricHeaders, MetricFirstEvent, MetricFirstToken, MetricTurn, MetricRejected} {
		if p, ok := res.Latency[m]; ok {
			fmtf(&b, "  %-12s p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (n=%d)\n", m,
				fmtMs(p.P50), fmtMs(p.P90), fmtMs(p.P99), fmtMs(p.P999), fmtMs(p.Max), p.Count)
		}
	}
	if s := res.Server; s != nil {
		if s.Error != "" {
			fmtf(&b, "  server: %s\n", s.Error)
		} else {
			fmtf(&b, "  server pid %d: peak RSS %.1f MiB, CPU %.1fs (%.0f%% avg, %.2f ms/turn), %d threads\n",
				s.PID, float64(s.PeakRSSBytes)/(1<<20), s.CPUSeconds, s.AvgCPUPercent, s.CPUMsPerTurn, s.Threads)
		}
	}
	return b.String()
}
