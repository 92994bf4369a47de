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
	Usage      Usage // the tokens its model calls used, as committed so far
}

// Usage counts the tokens of model calls. InputTokens includes the cached
// ones: CachedInputTokens is the part of the input the provider read from
// its prompt cache.
type Usage struct {
	InputTokens       int64 `json:"inputTokens"`
	OutputTokens      int64 `json:"outputTokens"`
	CachedInputTokens int64 `json:"cachedInputTokens"`
}

// Add returns the sum of u and v.
func (u Usage) Add(v Usage) Usage {
	return Usage{u.InputTokens + v.InputTokens, u.OutputTokens + v.OutputTokens, u.CachedInputTokens + v.CachedInputTokens}
}

// Total is what a token budget counts: input and output tokens.
func (u Usage) Total() int64 { return u.InputTokens + u.OutputTokens }
