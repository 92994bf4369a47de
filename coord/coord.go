// Package coord is the seam for what several agentd instances must share
// beyond the store: the event log of every run, so a client can rejoin a
// run on any instance, and rate-limit counters. It holds only interfaces and
// errors; coord/redis and coord/postgres implement the event log, and each
// passes coordtest.RunEventLog. A single instance needs none of this: its
// runs' logs live in its memory.
package coord

import (
	"context"
	"errors"
	"time"
)

// ErrSealed: the log is complete; nothing may be appended any more (its
// writer finished, or its instance was declared lost and the log sealed).
var ErrSealed = errors.New("run event log is sealed")

// ErrNotFound: no log for that run (never written, or expired).
var ErrNotFound = errors.New("run event log not found")

// Frame is one event of a run: its sequence number (1, 2, …) and the event
// as single-line JSON.
type Frame struct {
	Seq  int64
	Data []byte
}

// EventLog keeps every run's events for rejoining clients, shared by all
// instances. Logs expire TTL after their last write.
type EventLog interface {
	// Append adds frames (contiguous, ascending Seq) to a run's log; done
	// seals it. It fails with ErrSealed when the log is already sealed, so
	// an instance that lost a run can never add to it.
	Append(ctx context.Context, runID string, frames []Frame, done bool) error
	// Seal ends the log of a run whose writer is gone with one last event,
	// numbered after the last stored frame. It does nothing when the log is
	// already sealed, and creates the log when it does not exist.
	Seal(ctx context.Context, runID string, data []byte) error
	// Read returns the frames after seq after, waiting up to wait for the
	// first one when there is none yet. done reports that the log is sealed
	// and nothing follows the frames returned. ErrNotFound when the run has
	// no log.
	Read(ctx context.Context, runID string, after int64, wait time.Duration) (frames []Frame, done bool, err error)
	// Ping reports whether the backend answers.
	Ping(ctx context.Context) error
	Close() error
}
