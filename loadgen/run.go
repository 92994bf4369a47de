package loadgen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// runner holds one run's shared state.
type runner struct {
	cfg      Config
	client   *turnClient
	rec      *recorder
	budget   atomic.Int64 // turns left under MaxTurns
	next     atomic.Uint64
	users    atomic.Int64 // started and not done
	inFlight atomic.Int64
	stop     chan struct{} // closed when no turn may start any more
	stopOnce sync.Once
	// why the run stopped early, if it did
	durationHit, budgetHit atomic.Bool

	mu       sync.Mutex
	finished map[string][][]string // per thread, each finished turn's Committed (with Verify)
}

// Run drives the load described by cfg and returns its results. It stops
// starting turns at cfg.Duration, after cfg.MaxTurns turns, or when ctx
// ends; turns in flight then finish within cfg.TurnTimeout (or are
// cancelled with ctx). Results are returned even when ctx was cancelled.
func Run(ctx context.Context, cfg Config) (*Results, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	start := time.Now()
	r := &runner{cfg: cfg, rec: newRecorder(start), stop: make(chan struct{}), finished: map[string][][]string{},
		client: &turnClient{http: cfg.Client, header: cfg.Header, urls: cfg.URLs, timeout: cfg.TurnTimeout,
			retry: cfg.Retry, rejoin: cfg.Rejoin}}
	r.budget.Store(int64(cfg.MaxTurns))
	timer := time.AfterFunc(cfg.Duration, func() { r.durationHit.Store(true); r.halt() })
	defer timer.Stop()
	unwatch := context.AfterFunc(ctx, r.halt)
	defer unwatch()

	var proc *procSampler
	if cfg.PID > 0 {
		proc = newProcSampler(cfg.PID)
		proc.sample(start)
	}
	samplerDone := make(chan struct{})
	quit := make(chan struct{})
	go func() {
		defer close(samplerDone)
		r.sampleLoop(quit, proc)
	}()

	var wg sync.WaitGroup
	for i := range cfg.Users {
		wg.Go(func() { r.user(ctx, i) })
	}
	wg.Wait()
	close(quit)
	<-samplerDone
	end := time.Now()
	r.closeInterval(end, proc)
	if cfg.Progress != nil {
		fmt.Fprintln(cfg.Progress)
	}
	res := r.results(ctx, start, end, proc)
	if cfg.Verify {
		res.Verify = r.verify(ctx)
	}
	return res, nil
}

// halt stops new turns.
func (r *runner) halt() { r.stopOnce.Do(func() { close(r.stop) }) }

// wait sleeps d unless the run stops first; it reports whether to go on.
func (r *runner) wait(d time.Duration) bool {
	select {
	case <-r.stop:
		return false
	default:
	}
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.stop:
		return false
	}
}

// sampleLoop closes an interval every cfg.Interval until quit.
func (r *runner) sampleLoop(quit <-chan struct{}, proc *procSampler) {
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-quit:
			return
		case now := <-t.C:
			r.closeInterval(now, proc)
		}
	}
}

func (r *runner) closeInterval(now time.Time, proc *procSampler) {
	var ps *procSample
	if proc != nil {
		ps = proc.sample(now)
	}
	s := r.rec.tick(now, r.users.Load(), r.inFlight.Load(), ps)
	if r.cfg.Progress != nil {
		turns, outcomes, p99 := r.rec.totals()
		fmt.Fprint(r.cfg.Progress, "\r\x1b[K"+progressLine(s, r.cfg.Users, turns, outcomes, p99))
	}
}

// think draws a think time.
func (r *runner) think(rng *rand.Rand) time.Duration {
	j := r.cfg.ThinkJitter
	return time.Duration(float64(r.cfg.ThinkTime) * (1 + j*(2*rng.Float64()-1)))
}

// target picks the index of the next URL, round robin over all turns.
func (r *runner) target() int {
	return int((r.next.Add(1) - 1) % uint64(len(r.cfg.URLs)))
}

// committed notes a turn a client saw finish, for Verify.
func (r *runner) committed(threadID string, ids []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.finished[threadID] = append(r.finished[threadID], ids)
}
