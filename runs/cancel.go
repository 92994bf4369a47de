package runs

import (
	"context"
	"errors"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/coord"
	"github.com/agentd/agentd/store"
)

// Cancel stops the user's run, on this instance or, through
// Config.Signals, on the one executing it; it ends with RUN_ERROR code
// "cancelled". It fails with CodeNotFound for an unknown run or another
// user's (told alike) and CodeConflict for one that is no longer running.
// A nil error means the cancel is under way, not done: a run on another
// instance stops once that instance hears the signal, and one whose
// instance died is ended by the janitor when its lease expires. The signal
// names no user: this instance checked it.
func (m *Manager) Cancel(ctx context.Context, user, id string) error {
	if r, ok := m.Get(id); ok && r.User != user {
		return RunNotFound(id)
	} else if ok && !r.Log.complete() {
		r.cancel(errCancelled)
		return nil
	}
	rec, err := m.cfg.Store.GetRun(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && rec.User != user:
		return RunNotFound(id)
	case err != nil:
		return storeUnavailable(err)
	case rec.Status.Terminal():
		return agentd.Errorf(agentd.CodeConflict, "run %s already ended: %s", id, rec.Status)
	case rec.Owner == m.cfg.Owner:
		// Recorded as running by this instance, yet not running here: its
		// end failed to be recorded, and the janitor will record one.
		return agentd.Errorf(agentd.CodeConflict, "run %s already ended; its end is being recorded", id)
	case m.cfg.Signals == nil:
		return agentd.Errorf(agentd.CodeConflict, "run %s runs on another instance, which this one cannot signal; cancel it there", id)
	}
	if err := m.cfg.Signals.Send(ctx, coord.Signal{Kind: coord.SignalCancel, RunID: id}); err != nil {
		return &agentd.Error{Code: agentd.CodeUnavailable, RetryAfter: time.Second, Cause: err,
			Message: "the cancel could not be sent to the instance running the run; retry shortly"}
	}
	m.cfg.Logger.Info("cancel sent to another instance", "run", id, "thread", rec.ThreadID, "owner", rec.Owner)
	return nil
}

// RunNotFound is the answer about a run that is missing or another
// user's: the two must read the same.
func RunNotFound(id string) error {
	return agentd.Errorf(agentd.CodeNotFound, "no run %q", id)
}
