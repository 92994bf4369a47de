package agentd

import "time"

// RunStatus is where a run is in its life.
type RunStatus string

const (
	RunRunning     RunStatus = "running"
	RunSucceeded   RunStatus = "succeeded"
	RunFailed      RunStatus = "failed"
	RunInterrupted RunStatus = "interrupted" // its instance stopped or lost its lease
	RunCancelled   RunStatus = "cancelled"
)

// Terminal reports whether the status is final.
func (s RunStatus) Terminal() bool { return s != RunRunning }

// Run is one execution of an agent on a thread.
type Run struct {
	ID         string
	ThreadID   string
	User       string // the thread's user, whom the run belongs to
	Agent      string
	Status     RunStatus
	Owner      string    // instance that runs it
	Fence      int64     // the thread lease's fencing token held by this run
	LeaseUntil time.Time // the owner must renew before this
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	ErrorCode  RunErrorCode
	ErrorMsg   string
}
