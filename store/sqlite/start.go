package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/store"
)

// leaseExpiredCode is the error code of a run whose lease was taken over
// by a later run after it expired.
const leaseExpiredCode = agentd.RunErrLeaseExpired

// StartRun implements store.Store: the lease, the run, the thread's load
// and the reconciliation are one transaction.
func (s *Store) StartRun(ctx context.Context, p store.StartRun) (agentd.Run, agentd.Thread, error) {
	if err := p.Validate(); err != nil {
		return agentd.Run{}, agentd.Thread{}, fmt.Errorf("sqlite: %w", err)
	}
	run := agentd.Run{
		ID:         p.RunID,
		ThreadID:   p.ThreadID,
		User:       p.User,
		Agent:      p.Agent,
		Status:     agentd.RunRunning,
		Owner:      p.Owner,
		LeaseUntil: fromMS(ms(p.LeaseUntil)),
		StartedAt:  fromMS(ms(p.Now)),
	}
	// Starting work is shed while the writer is behind: a run refused now
	// is a fast 503, a run admitted into a long queue is a slow failure.
	// A start that would be shed is refused before it reads anything.
	op := "start run " + p.RunID
	if err := s.w.busy(op); err != nil {
		return agentd.Run{}, agentd.Thread{}, err
	}
	// The history is read and decoded before the write, on a reader, in
	// parallel with other runs, instead of inside the single writer's
	// transaction; the transaction uses it if the thread has not changed
	// since (same creation, version and length), else reads it again.
	wctx, stop := waitBound(ctx, p.WaitUntil)
	defer stop()
	pre, preErr := s.GetThread(wctx, p.User, p.ThreadID)
	var thread agentd.Thread
	err := s.w.do(wctx, op, true, func(ctx context.Context, tx *sql.Tx) error {
		var exists int
		err := tx.StmtContext(ctx, s.stmt.runExists).QueryRowContext(ctx, p.RunID).Scan(&exists)
		if err == nil {
			return store.ErrRunExists
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("look up run: %w", err)
		}

		th, count, fence, err := s.takeLease(ctx, tx, p)
		if err != nil {
			return err
		}
		run.Fence = fence
		if _, err := tx.StmtContext(ctx, s.stmt.insertRun).ExecContext(ctx,
			p.RunID, p.ThreadID, p.User, p.Agent, p.Owner, fence, ms(p.LeaseUntil), ms(p.Now)); err != nil {
			return fmt.Errorf("insert run: %w", err)
		}
		if preErr == nil && pre.Version == th.Version && pre.CreatedAt.Equal(th.CreatedAt) && len(pre.Messages) == count {
			th.Messages = pre.Messages
		} else if th.Messages, err = loadMessages(ctx, tx.StmtContext(ctx, s.stmt.writeMessages), p.ThreadID, count); err != nil {
			return err
		}
		if p.Reconcile != nil {
			if th, err = s.reconcile(ctx, tx, p, fence, th); err != nil {
				return err
			}
		}
		thread = th
		return nil
	})
	if err != nil {
		return agentd.Run{}, agentd.Thread{}, waited(ctx, wctx, op, err)
	}
	return run, thread, nil
}

// takeLease gives the thread's lease to run p.RunID, creating the thread
// when missing. It returns the thread without its messages, its message
// count and the new fencing token. It refuses another user's thread with
// ErrNotFound, before it looks at the lease; a new thread beyond the user's
// p.MaxThreads with ErrTooManyThreads; a thread another run's lease holds
// past p.Now with ErrThreadBusy. It marks the previous holder interrupted
// when its lease has expired.
func (s *Store) takeLease(ctx context.Context, tx *sql.Tx, p store.StartRun) (agentd.Thread, int, int64, error) {
	th := agentd.Thread{ID: p.ThreadID}
	var (
		holder            string
		leaseUntil, fence int64
		now, expiry       = ms(p.Now), ms(p.LeaseUntil)
	)
	count, err := scanThread(tx.StmtContext(ctx, s.stmt.threadForLease).QueryRowContext(ctx, p.ThreadID),
		&th, &holder, &leaseUntil, &fence)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if p.MaxThreads > 0 {
			var n int
			if err := tx.StmtContext(ctx, s.stmt.countThreads).QueryRowContext(ctx, p.User, p.MaxThreads).Scan(&n); err != nil {
				return th, 0, 0, fmt.Errorf("count threads: %w", err)
			}
			if n >= p.MaxThreads {
				return th, 0, 0, store.ErrTooManyThreads
			}
		}
		// RETURNING gives the new thread as the schema's defaults made it.
		count, err := scanThread(tx.StmtContext(ctx, s.stmt.insertThread).QueryRowContext(ctx,
			p.ThreadID, p.User, p.Agent, now, now, p.RunID, expiry), &th, &fence)
		if err != nil {
			return th, 0, 0, fmt.Errorf("insert thread: %w", err)
		}
		return th, count, fence, nil
	case err != nil:
		return th, 0, 0, fmt.Errorf("read thread: %w", err)
	case th.User != p.User:
		return agentd.Thread{}, 0, 0, store.ErrNotFound
	}

	if holder != "" {
		if leaseUntil > now {
			return th, 0, 0, store.ErrThreadBusy
		}
		_, err := tx.StmtContext(ctx, s.stmt.interruptHolder).ExecContext(ctx,
			now, leaseExpiredCode, "lease expired; the thread was taken over by run "+p.RunID, holder)
		if err != nil {
			return th, 0, 0, fmt.Errorf("interrupt expired run %s: %w", holder, err)
		}
	}
	fence++
	if _, err := tx.StmtContext(ctx, s.stmt.takeLease).ExecContext(ctx, p.RunID, expiry, fence, p.ThreadID); err != nil {
		return th, 0, 0, fmt.Errorf("take lease: %w", err)
	}
	return th, count, fence, nil
}

// reconcile writes what p.Reconcile makes of th, through Commit's own
// checks and writes, and returns the thread as written. The run holds the
// lease in this transaction, so there is no lease or version to check.
func (s *Store) reconcile(ctx context.Context, tx *sql.Tx, p store.StartRun, fence int64, th agentd.Thread) (agentd.Thread, error) {
	rec := p.Reconcile(th)
	if rec.Refuse != nil {
		return th, rec.Refuse
	}
	cp := store.Checkpoint{RunID: p.RunID, ThreadID: p.ThreadID, Fence: fence, Version: th.Version,
		TruncateAt: rec.TruncateAt, Append: rec.Append, State: rec.State}
	bodies, err := checkCheckpoint(cp)
	if err != nil {
		return th, fmt.Errorf("reconcile: %w", err)
	}
	updated, err := s.writeCheckpoint(ctx, tx, cp, bodies, int64(len(th.Messages)))
	if err != nil {
		return th, err
	}
	out := th
	out.Version++
	out.UpdatedAt = updated
	if rec.State != nil {
		out.State = rec.State
	}
	// A new slice: th, which Reconcile saw, may be kept by its caller.
	keep := th.Messages
	if rec.TruncateAt >= 0 && rec.TruncateAt < len(keep) {
		keep = keep[:rec.TruncateAt]
	}
	out.Messages = make([]agui.Message, 0, len(keep)+len(rec.Append))
	out.Messages = append(out.Messages, keep...)
	for _, m := range rec.Append {
		out.Messages = append(out.Messages, m.Message)
	}
	return out, nil
}
