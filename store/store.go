// Package store is the seam to durable storage: threads, their ordered
// messages (the current branch, and the superseded messages an edit or a
// regenerate replaced) and shared state, and runs with their thread
// leases. It holds only the interface and its errors; sqlite and postgres
// implement it and both pass the contract suite in storetest.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
)

var (
	// ErrNotFound: no thread or run with that id, or (for the methods that
	// take a user) the thread is another user's: the two are told alike.
	ErrNotFound = errors.New("not found")
	// ErrThreadBusy: another run holds the thread's unexpired lease.
	ErrThreadBusy = errors.New("thread has an active run")
	// ErrRunExists: a run with that id was already recorded.
	ErrRunExists = errors.New("run id already used")
	// ErrFenced: the run no longer holds the thread's lease (another run took
	// it over, or the thread was deleted); its write was refused.
	ErrFenced = errors.New("run lost its thread lease")
	// ErrVersion: the thread changed since the version the writer read.
	ErrVersion = errors.New("thread version changed")
	// ErrBusy: the store is too far behind to take new work now; retry
	// shortly. StartRun returns it having written nothing; a store may
	// also refuse a read with it rather than wait long for a connection.
	// Writes of runs in progress are never refused with it.
	ErrBusy = errors.New("store is busy")
	// ErrTooManyThreads: StartRun would create a thread for a user who
	// already has StartRun.MaxThreads of them; it has written nothing.
	ErrTooManyThreads = errors.New("user has too many threads")
)

// Store keeps threads and runs durably. Every method is safe for
// concurrent use. Implementations must pass storetest.Run.
//
// Every thread belongs to one user, and its runs to that user. The methods
// that take a user treat another user's thread exactly as a missing one
// (ErrNotFound); the others (GetRun, the lease and janitor methods) are
// for agentd itself, and GetRun reports the run's User for callers to
// check.
type Store interface {
	// StartRun records a running run and gives it the thread's lease with a
	// fencing token larger than any before it. It creates the thread, for
	// p.User, when it does not exist, and takes over a lease that has
	// expired (marking its run interrupted). When p.Reconcile is set, it
	// then writes what Reconcile returns, in the same transaction. It
	// returns the run and the thread as committed. A refused StartRun
	// (ErrRunExists, ErrNotFound for another user's thread, ErrThreadBusy,
	// ErrTooManyThreads, a conflict from Reconcile's messages) writes
	// nothing. Another user's thread is refused before its lease is looked
	// at, and Reconcile never sees it.
	StartRun(ctx context.Context, p StartRun) (agentd.Run, agentd.Thread, error)
	// Commit writes a run's checkpoint in one transaction, if the run still
	// holds the lease (ErrFenced) and the thread is at p.Version
	// (ErrVersion). It returns the thread's new version.
	Commit(ctx context.Context, p Checkpoint) (int64, error)
	// RenewLeases extends, to until, the leases of the running runs listed
	// (an instance renews all of its runs' leases at once). It returns the
	// ids of those that no longer hold their lease (unknown, finished,
	// fenced by a later run, thread deleted); the others are renewed.
	RenewLeases(ctx context.Context, until time.Time, leases []Lease) (lost []string, err error)
	// InterruptExpired marks running runs whose lease ended before now as
	// interrupted with the given error code, frees their threads, and
	// returns them.
	InterruptExpired(ctx context.Context, now time.Time, code agentd.RunErrorCode, message string) ([]agentd.Run, error)

	// GetThread returns the user's thread with that id; ErrNotFound when
	// there is none or it is another user's.
	GetThread(ctx context.Context, user, id string) (agentd.Thread, error)
	// ThreadHistory returns the user's thread exactly as GetThread does,
	// and with it every message the thread holds, current and superseded,
	// in the order they were written: a superseded message comes before
	// the ones that replaced it. ErrNotFound as for GetThread.
	ThreadHistory(ctx context.Context, user, id string) (agentd.Thread, []HistoryMessage, error)
	// ListThreads pages through q.User's threads.
	ListThreads(ctx context.Context, q ThreadQuery) (ThreadPage, error)
	// DeleteThread deletes the user's thread with that id, with its
	// messages (superseded ones too) and runs; ErrNotFound when there is
	// none or it is another user's.
	DeleteThread(ctx context.Context, user, id string) error
	// DeleteIdleThreads deletes threads not updated since before and with
	// no running run; it returns how many it deleted.
	DeleteIdleThreads(ctx context.Context, before time.Time) (int, error)
	// GetRun returns the run with that id, whoever's it is: callers acting
	// for a user check Run.User.
	GetRun(ctx context.Context, id string) (agentd.Run, error)
	// ListRuns returns the runs of the user's thread, oldest first, each
	// with its usage as committed. ErrNotFound as for GetThread.
	ListRuns(ctx context.Context, user, threadID string) ([]agentd.Run, error)
	// UserUsage returns the tokens the user's runs committed on the UTC
	// day of day (see Checkpoint.Usage), the deleted threads' included.
	UserUsage(ctx context.Context, user string, day time.Time) (agentd.Usage, error)

	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	Close() error
}

// StartRun is what StartRun needs.
type StartRun struct {
	RunID    string
	ThreadID string
	// User is whom the run is for: a new thread is created as theirs, and
	// another user's thread is refused with ErrNotFound. Required.
	User       string
	Agent      string
	Owner      string // instance id
	Now        time.Time
	LeaseUntil time.Time
	// MaxThreads, when > 0, caps how many threads User may have: creating
	// one more is refused with ErrTooManyThreads. Runs on the user's
	// existing threads are never refused for it.
	MaxThreads int
	// Reconcile, when set, brings the thread in line with the client
	// before the run begins, saving the run a Commit. The store calls it
	// with the thread as loaded, after taking the lease and inside
	// StartRun's transaction, so the thread stays locked while it runs: it
	// must be fast and pure (no I/O, no locks). The store applies the
	// result exactly as Commit applies a Checkpoint's TruncateAt, Append and
	// State, and the thread's version grows by one even when the result
	// changes nothing. StartRun then returns the thread as written. A
	// message id already in the kept history (or twice in Append) fails
	// the whole StartRun with a CodeConflict *agentd.Error, and a result
	// with Refuse set fails it with that error. Reconcile is
	// called at most once, and not at all when StartRun is refused before
	// it (ErrRunExists, ErrThreadBusy), so a closure may record what it
	// decided for the caller. nil writes nothing beyond the lease, and the
	// version stays as it was.
	Reconcile func(agentd.Thread) Reconciled
	// WaitUntil, when set, is the latest time StartRun may still be
	// waiting for the store's capacity (a connection, the writer): past
	// it StartRun is refused with ErrBusy, having written nothing. Zero:
	// the store's own bound. Once its transaction runs it is not cut short.
	WaitUntil time.Time
}

// Reconciled is what a StartRun's Reconcile writes; the fields mean what
// they mean in Checkpoint.
type Reconciled struct {
	// TruncateAt, when >= 0, first supersedes the messages at that
	// position and after, as Checkpoint.TruncateAt. Set it to -1 to keep
	// them: the zero value supersedes the whole history.
	TruncateAt int
	Append     []AppendMessage
	State      json.RawMessage // nil leaves the state unchanged
	// Refuse, when set, fails the StartRun with this error (errors.Is and
	// errors.As find it in the one returned) and the store writes nothing,
	// not even the lease or a new thread: Reconcile saw that the run must
	// not start, such as on a thread over its size limit.
	Refuse error
}

// Checkpoint is one atomic write of a run.
type Checkpoint struct {
	RunID    string
	ThreadID string
	Fence    int64 // the run's fencing token
	Version  int64 // the thread version the run last saw; < 0 skips the check (ending a run whose last write failed)
	// TruncateAt, when >= 0, first supersedes the messages at that
	// position and after (an edit or a regenerate forks the thread there):
	// they leave the current branch, which GetThread returns and the model
	// sees, and their ids may be appended again, but they stay stored,
	// marked as superseded by RunID (see ThreadHistory). Set it to -1 to
	// keep them: the zero value supersedes the whole history.
	TruncateAt int
	Append     []AppendMessage
	State      json.RawMessage // nil leaves the state unchanged
	Finish     *Finish         // non-nil ends the run and frees the thread
	// Usage is added to the run's usage, and to its user's for the UTC
	// day of the store's clock at the commit (UserUsage), in the same
	// transaction.
	Usage agentd.Usage
}

// AppendMessage is a message and the run that produced it ("" when the
// client sent it).
type AppendMessage struct {
	agui.Message
	RunID string
}

// HistoryMessage is a message of a thread's whole history.
type HistoryMessage struct {
	agui.Message
	// SupersededBy is the run whose edit or regenerate replaced the
	// message; "" for a message of the current branch.
	SupersededBy string
}

// Finish ends a run.
type Finish struct {
	Status    agentd.RunStatus
	ErrorCode agentd.RunErrorCode
	ErrorMsg  string
	At        time.Time
}

// ThreadQuery pages through a user's threads, most recently updated first.
type ThreadQuery struct {
	User   string // whose threads; only theirs are listed
	Limit  int    // 1..500; 0 means 50
	Cursor string // from the previous page's Next; "" for the first page
}

// ThreadPage is one page of threads.
type ThreadPage struct {
	Threads []agentd.ThreadSummary
	Next    string // "" on the last page
}
