package cli

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/agentd/agentd/runs"
)

// background is the instance's periodic work besides requests: the
// janitor and, with the PostgreSQL event log, the sweep of expired logs.
// serve stops it and waits for it before closing the store and the event
// log it uses.
type background struct {
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// startBackground runs the janitor every period (deleting threads idle
// past threadTTL when set) and, when sweep is set, sweeps every
// sweepPeriod, until ctx ends or Stop.
func startBackground(ctx context.Context, mgr *runs.Manager, period, threadTTL time.Duration,
	sweep func(context.Context, time.Time) (int64, error), log *slog.Logger) *background {
	ctx, stop := context.WithCancel(ctx)
	b := &background{stop: stop}
	b.wg.Go(func() { mgr.Janitor(ctx, period, threadTTL) })
	if sweep != nil {
		b.wg.Go(func() { sweepLoop(ctx, sweep, log) })
	}
	return b
}

// Stop ends the work and returns once it has.
func (b *background) Stop() {
	b.stop()
	b.wg.Wait()
}

// sweepPeriod is how often expired shared event logs are deleted.
const sweepPeriod = time.Minute

// sweepLoop deletes expired shared event logs.
func sweepLoop(ctx context.Context, sweep func(context.Context, time.Time) (int64, error), log *slog.Logger) {
	t := time.NewTicker(sweepPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := sweep(ctx, time.Now()); err != nil {
			log.Warn("event log sweep", "err", err)
		}
	}
}
