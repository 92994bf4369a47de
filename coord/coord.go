// Package coord is the seam for what several agentd instances must share
// beyond the store: the event log of every run, so a client can rejoin a
// run on any instance, signals that stop a run wherever it executes, and
// rate-limit counters. It holds only interfaces, their types and errors;
// coord/redis and coord/postgres implement the event log and the signals,
// and each passes coordtest.RunEventLog and coordtest.RunSignals. A single
// instance needs none of this: its runs' logs live in its memory and it
// stops its runs itself.
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

// SignalKind is what a Signal asks for.
type SignalKind string

const (
	// SignalCancel stops the run RunID: it ends with RUN_ERROR "cancelled".
	SignalCancel SignalKind = "cancel"
	// SignalInterrupt stops the running run of thread ThreadID, unless it is
	// Keep, so that run Keep can take the thread over: the stopped run ends
	// with RUN_ERROR "interrupted".
	SignalInterrupt SignalKind = "interrupt"
)

// Signal asks the instance executing a run to stop it. It names runs and
// threads, not instances: every instance hears every signal and acts on
// its own runs only.
type Signal struct {
	Kind     SignalKind `json:"kind"`
	RunID    string     `json:"runId,omitempty"`    // SignalCancel
	ThreadID string     `json:"threadId,omitempty"` // SignalInterrupt
	// Keep is the run taking the thread over (SignalInterrupt): a signal
	// that arrives after it started must not stop it.
	Keep string `json:"keep,omitempty"`
}

// Valid reports whether s names what its kind needs. Listeners drop
// invalid signals, such as ones of a kind a newer version sends.
func (s Signal) Valid() bool {
	switch s.Kind {
	case SignalCancel:
		return s.RunID != ""
	case SignalInterrupt:
		return s.ThreadID != ""
	}
	return false
}

// Signals carries signals between the instances of one deployment.
//
// Delivery is at most once and unacknowledged: a signal sent while an
// instance is not connected (reconnecting after a network failure,
// starting) never reaches it. A sender that needs the effect checks for it
// (in the store) and sends again; nothing may depend on one signal arriving.
type Signals interface {
	// Send publishes sig to every instance listening, this one included.
	// A nil error means the backend took it, not that anyone heard it.
	Send(ctx context.Context, sig Signal) error
	// Listen calls fn with every valid signal sent by any instance until
	// ctx ends, then returns nil; it reconnects by itself after failures.
	// fn runs on the listener's goroutine, one signal at a time: it must
	// not block. Listen returns an error only when it cannot go on (its
	// backend was closed).
	Listen(ctx context.Context, fn func(Signal)) error
}
