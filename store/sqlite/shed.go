package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/agentd/agentd/store"
)

// errWaited is the cause of a StartRun's wait cut short at its WaitUntil.
var errWaited = errors.New("waited too long for the writer")

// minWait still lets a StartRun whose WaitUntil has passed be written
// when the writer has nothing else queued.
const minWait = time.Millisecond

// waitBound bounds ctx at a StartRun's WaitUntil, if it has one. The
// writer's work gets a context of its own, so the bound cuts only waits:
// for a reader, and for the writer's queue.
func waitBound(ctx context.Context, until time.Time) (context.Context, context.CancelFunc) {
	if until.IsZero() {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, max(time.Until(until), minWait), errWaited)
}

// waited turns err, from work that wctx (bounded by waitBound) cut short
// while the caller's ctx went on, into store.ErrBusy.
func waited(ctx, wctx context.Context, op string, err error) error {
	if ctx.Err() == nil && errors.Is(context.Cause(wctx), errWaited) && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("sqlite: %s: %w: %w", op, errWaited, store.ErrBusy)
	}
	return err
}
