package runs

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/coord"
	"github.com/agentd/agentd/store"
)

// Bounds of a followFeed.
const (
	// logPoll is how often a run's shared log is looked for while it does
	// not exist yet (its instance died before creating it).
	logPoll = 500 * time.Millisecond
	// minWatch is the shortest gap between two looks at a run in the store.
	minWatch = 250 * time.Millisecond
	// readFailures is how long the shared log may fail reads before the
	// stream gives up with event_log_unavailable.
	readFailures = 3 * time.Second
	// callTimeout bounds one call to the shared log (beyond its wait) or
	// the store, so that a backend that hangs is a failure, not a hang.
	callTimeout = 5 * time.Second
)

// followShared returns the feed of a run this instance does not hold: its
// events from the shared log, its fate from the store. coord.ErrNotFound
// when the run has no log and the store does not say it is running.
func (m *Manager) followShared(ctx context.Context, user, runID string, after int) (Feed, error) {
	if m.cfg.Events == nil {
		return nil, coord.ErrNotFound
	}
	// The shared log knows no users: the store says whose run it is. A
	// run the store no longer has (its thread was deleted) is gone.
	rec, err := m.cfg.Store.GetRun(ctx, runID)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && rec.User != user:
		return nil, coord.ErrNotFound
	case err != nil:
		return nil, err
	}
	f := &followFeed{m: m, runID: runID}
	frames, done, err := m.cfg.Events.Read(ctx, runID, int64(after), 0)
	switch {
	case err == nil:
		f.log = &sharedFeed{events: m.cfg.Events, runID: runID, first: frames, done: done, firstAfter: after}
	case errors.Is(err, coord.ErrNotFound):
		// Its instance may have died before creating the log: follow a run
		// the store says is running until its fate is known.
		if rec.Status != agentd.RunRunning {
			return nil, coord.ErrNotFound
		}
	default:
		return nil, err
	}
	return f, nil
}

// followFeed reads a run of another instance from the shared log and, while
// the log is quiet, watches the run in the store, so that a rejoining client
// always gets the run's end:
//
//   - a run whose lease expired (its instance died) is recovered at once,
//     as the janitor would be on its next round: the log gets RUN_ERROR
//     instance_lost;
//   - a run the store has ended while its log stays open (its instance died
//     between the two, or its copy failed) gets its log sealed with the
//     stored end after a grace period;
//   - a client at or past the log's last event, which it may have seen with
//     other events than the log's (its instance streamed events that never
//     reached the log, and the seal took their numbers), gets the run's end
//     restated without an id.
type followFeed struct {
	m     *Manager
	runID string
	log   *sharedFeed // nil until the log exists

	delivered bool      // frames were returned: the log's end reaches the client
	restated  bool      // the run's end was restated: nothing follows
	check     time.Time // when to look at the run in the store next
	end       []byte    // the run's end as the store has it, once it has one
	endSeen   time.Time // when the store was first seen with the run ended
	unknown   time.Time // since when the store could not tell the run's fate
	failing   time.Time // since when reads of the shared log fail
}

// Next implements Feed.
func (f *followFeed) Next(ctx context.Context, after int, wait time.Duration) ([]byte, int, bool, error) {
	if f.restated {
		return nil, 0, true, nil
	}
	// A manager that stops (the instance drains) ends its followers.
	ctx, cancel := context.WithCancel(ctx)
	defer context.AfterFunc(f.m.base, cancel)()
	defer cancel()
	deadline := time.Now().Add(wait)
	for {
		step := max(min(time.Until(deadline), time.Until(f.check)), 0)
		frames, n, done, err := f.read(ctx, after, step)
		switch {
		case err != nil:
			return nil, 0, false, f.stopped(err)
		case n > 0:
			f.delivered = true
			return frames, n, false, nil
		case done && f.delivered:
			return nil, 0, true, nil
		case done && f.end != nil:
			f.restated = true
			return agui.AppendRawFrame(nil, 0, f.end), 1, false, nil
		case done:
			// Sealed, but the store has no end yet: look again soon.
			if err := pause(ctx, step); err != nil {
				return nil, 0, false, f.stopped(err)
			}
		}
		if !time.Now().Before(deadline) {
			return nil, 0, false, nil
		}
		if !time.Now().Before(f.check) {
			if err := f.watch(ctx); err != nil {
				return nil, 0, false, f.stopped(err)
			}
		}
	}
}

// stopped is the error a Next interrupted by err returns: the client's
// own cancellation as it is, the manager's stop as a stream_error (the run
// goes on elsewhere).
func (f *followFeed) stopped(err error) error {
	if f.m.base.Err() != nil && errors.Is(err, context.Canceled) {
		return &StreamError{Code: agentd.RunErrStream, Err: err,
			Msg: "this server is restarting; rejoin the run on another"}
	}
	return err
}

// read returns the log's frames after after, waiting up to wait. A log
// that does not exist yet, or a read that failed for less than
// readFailures, counts as no frames.
func (f *followFeed) read(ctx context.Context, after int, wait time.Duration) ([]byte, int, bool, error) {
	rctx, cancel := context.WithTimeout(ctx, wait+callTimeout)
	defer cancel()
	if f.log == nil {
		frames, done, err := f.m.cfg.Events.Read(rctx, f.runID, int64(after), 0)
		if errors.Is(err, coord.ErrNotFound) {
			return nil, 0, false, pause(ctx, min(wait, logPoll))
		}
		if err != nil {
			return nil, 0, false, f.failed(ctx, err, wait)
		}
		f.log = &sharedFeed{events: f.m.cfg.Events, runID: f.runID, first: frames, done: done, firstAfter: after}
	}
	frames, n, done, err := f.log.Next(rctx, after, wait)
	switch {
	case errors.Is(err, coord.ErrNotFound):
		// Expired meanwhile: what it had is gone, the run's end will be
		// restated.
		f.log, f.delivered = nil, false
		return nil, 0, false, nil
	case err != nil:
		return nil, 0, false, f.failed(ctx, err, wait)
	}
	f.failing = time.Time{}
	return frames, n, done, nil
}

// failed decides on a failed read of the shared log: retry after a pause,
// or give up once reads have failed for readFailures.
func (f *followFeed) failed(ctx context.Context, err error, wait time.Duration) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	now := time.Now()
	if f.failing.IsZero() {
		f.failing = now
	}
	if now.Sub(f.failing) >= readFailures {
		return &StreamError{Code: agentd.RunErrEventLogUnavailable, Err: err,
			Msg: "the shared event log is unavailable; rejoin the run shortly"}
	}
	f.m.cfg.Logger.Warn("event log read failed; retrying", "run", f.runID, "err", err)
	return pause(ctx, min(wait, minWatch))
}

// watch looks at the run in the store and acts on its fate; it sets when
// to look next.
func (f *followFeed) watch(outer context.Context) error {
	ctx, cancel := context.WithTimeout(outer, callTimeout)
	defer cancel()
	now := time.Now()
	rec, err := f.m.cfg.Store.GetRun(ctx, f.runID)
	if err != nil {
		if outer.Err() != nil {
			return outer.Err()
		}
		if f.unknown.IsZero() {
			f.unknown = now
		}
		if now.Sub(f.unknown) >= f.m.cfg.LeaseTTL {
			return &StreamError{Code: agentd.RunErrStream, Err: err,
				Msg: "the run's record cannot be read; rejoin the run shortly"}
		}
		f.check = now.Add(time.Second)
		return nil
	}
	f.unknown = time.Time{}
	if rec.Status == agentd.RunRunning {
		if rec.LeaseUntil.Before(now) {
			// Its instance stopped renewing: do the janitor's work now.
			if _, err := f.m.Recover(ctx, now, agentd.RunErrInstanceLost, instanceLostMessage); err != nil {
				f.m.cfg.Logger.Warn("recovering a followed run failed", "run", f.runID, "err", err)
			}
			f.check = now.Add(minWatch)
			return nil
		}
		// The lease tells when to look again: renewed, or lapsed.
		f.check = now.Add(min(max(rec.LeaseUntil.Sub(now), minWatch), f.m.cfg.LeaseTTL))
		return nil
	}
	if f.end == nil {
		if f.end, err = json.Marshal(endOf(rec)); err != nil {
			return err
		}
		f.endSeen = now
	}
	grace := max(f.m.cfg.LeaseTTL/3, time.Second)
	if now.Sub(f.endSeen) >= grace {
		// The log still lacks the end the store has had for a while: its
		// instance is not going to write it. End it for every reader.
		if err := f.m.cfg.Events.Seal(ctx, f.runID, f.end); err != nil {
			f.m.cfg.Logger.Warn("sealing a followed run's log failed", "run", f.runID, "err", err)
		}
		grace = time.Second
	}
	f.check = now.Add(grace)
	return nil
}

// endOf is the last event of a run that the store has as ended.
func endOf(rec agentd.Run) *agui.Event {
	if rec.Status == agentd.RunSucceeded {
		return &agui.Event{Type: agui.RunFinished, Timestamp: agui.Now(), ThreadID: rec.ThreadID, RunID: rec.ID}
	}
	code, msg := rec.ErrorCode, rec.ErrorMsg
	if code == "" {
		code = agentd.RunErrInternal
	}
	if msg == "" {
		msg = "the run ended: " + string(rec.Status)
	}
	return &agui.Event{Type: agui.RunError, Timestamp: agui.Now(), Code: string(code), Message: msg}
}

// pause waits for d or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
