package runs

import (
	"context"
	"errors"
	"time"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/coord"
)

// publish copies a run's log to the shared event log, so clients can
// rejoin it on any instance. It batches: after a frame arrives it waits a
// moment for more, then appends them in one call. It returns once the run's
// last frame is stored (or the shared log refuses it).
func (r *Run) publish(events coord.EventLog, every time.Duration) {
	ctx := context.WithoutCancel(r.ctx)
	sent := 0
	for {
		frames, closed, wake := r.Log.since(sent)
		if len(frames) == 0 && !closed {
			<-wake
			time.Sleep(every) // gather a batch; the run goes on meanwhile
			continue
		}
		batch := make([]coord.Frame, len(frames))
		for i, f := range frames {
			batch[i] = coord.Frame{Seq: int64(sent + i + 1), Data: eventJSON(f)}
		}
		err := r.appendShared(ctx, events, batch, closed)
		if errors.Is(err, coord.ErrSealed) {
			// Another instance declared this run lost: stop writing.
			r.cancel(errLeaseLost)
			return
		}
		if err != nil {
			r.m.cfg.Logger.Warn("event log append failed; rejoining elsewhere may miss events", "run", r.ID, "err", err)
		}
		sent += len(frames)
		if closed {
			return
		}
	}
}

func (r *Run) appendShared(ctx context.Context, events coord.EventLog, batch []coord.Frame, done bool) error {
	if len(batch) == 0 && !done {
		return nil
	}
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return events.Append(actx, r.ID, batch, done)
}

// sharedFeed reads a run's events from the shared log, for a run that is
// not running on this instance.
type sharedFeed struct {
	events coord.EventLog
	runID  string
	first  []coord.Frame // read while checking that the log exists
	done   bool
}

// Next implements Feed.
func (f *sharedFeed) Next(ctx context.Context, after int, wait time.Duration) ([][]byte, bool, error) {
	frames, done := f.first, f.done
	f.first = nil
	if frames == nil && !done {
		var err error
		frames, done, err = f.events.Read(ctx, f.runID, int64(after), wait)
		if err != nil {
			return nil, false, err
		}
	}
	out := make([][]byte, 0, len(frames))
	for _, fr := range frames {
		out = append(out, agui.AppendRawFrame(make([]byte, 0, len(fr.Data)+32), fr.Seq, fr.Data))
	}
	return out, done && len(out) == 0, nil
}
