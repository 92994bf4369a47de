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
	// Create the log at once, so a client rejoining on another instance
	// finds it before the first batch.
	if err := r.appendShared(ctx, events, nil, false); err != nil {
		r.m.cfg.Logger.Warn("event log create failed", "run", r.ID, "err", err)
	}
	sent, failures := 0, 0
	for {
		// The batch's events, encoded back to back in one buffer.
		var data []byte
		var ends []int
		n, closed, wake := r.Log.read(sent, maxNext, func(_ int, ev []byte) {
			data = append(data, ev...)
			ends = append(ends, len(data))
		})
		if n == 0 && !closed {
			<-wake
			time.Sleep(every) // gather a batch; the run goes on meanwhile
			continue
		}
		batch := make([]coord.Frame, n)
		begin := 0
		for i, end := range ends {
			batch[i] = coord.Frame{Seq: int64(sent + i + 1), Data: data[begin:end:end]}
			begin = end
		}
		err := r.appendShared(ctx, events, batch, closed)
		switch {
		case errors.Is(err, coord.ErrSealed):
			// Another instance declared this run lost: stop writing.
			r.cancel(errLeaseLost)
			return
		case err != nil:
			// Resend with the next batch (appends are idempotent); give up
			// on the last one after a few tries so the run can end.
			failures++
			r.m.cfg.Logger.Warn("event log append failed; rejoining elsewhere may miss events", "run", r.ID, "err", err)
			if closed && failures >= 3 {
				return
			}
			time.Sleep(every)
			continue
		}
		sent += n
		if closed {
			return
		}
	}
}

func (r *Run) appendShared(ctx context.Context, events coord.EventLog, batch []coord.Frame, done bool) error {
	actx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return events.Append(actx, r.ID, batch, done)
}

// sharedFeed reads a run's events from the shared log, for a run that is
// not running on this instance.
type sharedFeed struct {
	events coord.EventLog
	runID  string
	// The read made while checking that the log exists, after firstAfter.
	first      []coord.Frame
	done       bool
	firstAfter int
	used       bool
}

// Next implements Feed.
func (f *sharedFeed) Next(ctx context.Context, after int, wait time.Duration) ([]byte, int, bool, error) {
	var frames []coord.Frame
	done := false
	if !f.used && after == f.firstAfter {
		frames, done = f.first, f.done
	}
	f.used, f.first = true, nil
	if len(frames) == 0 && !done {
		var err error
		frames, done, err = f.events.Read(ctx, f.runID, int64(after), wait)
		if err != nil {
			return nil, 0, false, err
		}
	}
	var out []byte
	for i, fr := range frames {
		if len(out) >= maxNext {
			// Too much for one write: the rest is the next call's.
			f.first, f.done, f.firstAfter, f.used = frames[i:], done, int(frames[i-1].Seq), false
			return out, i, false, nil
		}
		out = agui.AppendRawFrame(out, fr.Seq, fr.Data)
	}
	return out, len(frames), done && len(frames) == 0, nil
}
