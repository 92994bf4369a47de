package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/store"
)

// leaseExpiredCode is the error code of a run whose lease was taken over
// by a later run after it expired.
const leaseExpiredCode = agentd.RunErrLeaseExpired

// StartRun implements store.Store, in two round trips: the first checks
// the run id, creates the thread if missing, locks its row and loads it;
// the second takes the lease, records the run, writes the reconciliation
// and commits. The row stays locked in between, so of several instances
// starting a run on one thread at once exactly one gets the lease, and the
// reconciliation is written against the thread as it was loaded.
func (s *Store) StartRun(ctx context.Context, p store.StartRun) (agentd.Run, agentd.Thread, error) {
	if err := p.Validate(); err != nil {
		return agentd.Run{}, agentd.Thread{}, fmt.Errorf("postgres: %w", err)
	}
	run := agentd.Run{
		ID:         p.RunID,
		ThreadID:   p.ThreadID,
		User:       p.User,
		Agent:      p.Agent,
		Status:     agentd.RunRunning,
		Owner:      p.Owner,
		LeaseUntil: ts(p.LeaseUntil),
		StartedAt:  ts(p.Now),
	}
	// A new run waits only briefly for a connection (shed.go).
	op := "start run " + p.RunID
	c, done, err := s.acquireStart(ctx, op, p.WaitUntil)
	if err != nil {
		return agentd.Run{}, agentd.Thread{}, err
	}
	defer done()
	var thread agentd.Thread
	err = pipeOn(ctx, op, c.Conn(), func(t *pipeTx) error {
		c, err := claimThread(ctx, t, p)
		if err != nil {
			return err
		}
		if c.created && p.MaxThreads > 0 {
			if err := checkThreadCap(ctx, t, p); err != nil {
				return err
			}
		}
		var b pgx.Batch
		if c.holder != "" {
			if c.leaseUntil != nil && c.leaseUntil.After(run.StartedAt) {
				return store.ErrThreadBusy
			}
			b.Queue(`
				UPDATE runs SET status = 'interrupted', finished_at = $1, error_code = $2, error_msg = $3
				WHERE id = $4 AND status = 'running'`,
				run.StartedAt, leaseExpiredCode, "lease expired; the thread was taken over by run "+p.RunID, c.holder)
		}
		run.Fence = c.fence + 1
		b.Queue(`UPDATE threads SET lease_run_id = $1, lease_until = $2, fence = $3 WHERE id = $4`,
			p.RunID, run.LeaseUntil, run.Fence, p.ThreadID)
		b.Queue(`
			INSERT INTO runs (id, thread_id, user_id, agent, status, owner, fence, lease_until, started_at)
			VALUES ($1, $2, $3, $4, 'running', $5, $6, $7, $8)`,
			p.RunID, p.ThreadID, p.User, p.Agent, p.Owner, run.Fence, run.LeaseUntil, run.StartedAt)
		written := c.thread
		if p.Reconcile != nil {
			if written, err = s.queueReconcile(&b, p, run.Fence, c.thread); err != nil {
				return err
			}
		}
		if err := commitBatch(ctx, t, &b, p.ThreadID); err != nil {
			return err
		}
		thread = written
		return nil
	})
	if err != nil {
		return agentd.Run{}, agentd.Thread{}, err
	}
	return run, thread, nil
}

// claimed is what StartRun's first round trip learns of a thread.
type claimed struct {
	created    bool   // the thread was inserted by this StartRun
	holder     string // the run holding the lease, "" if free
	leaseUntil *time.Time
	fence      int64
	thread     agentd.Thread // with its messages
}

// errThreadGone: the thread was deleted between its insert and its lock.
var errThreadGone = errors.New("thread deleted while being locked")

// claimThread begins StartRun's transaction: it checks that the run id is
// new, creates the thread (free, fence 0) when missing, locks its row and
// loads it with its messages, in one round trip. Another user's thread is
// ErrNotFound, and its messages are not read. When another transaction
// is creating the same thread, the insert waits for it and then does
// nothing, and the row is locked like any other. The load is a statement
// of its own, after the lock: its snapshot holds every message committed
// before the lock was granted.
func claimThread(ctx context.Context, t *pipeTx, p store.StartRun) (claimed, error) {
	for attempt := 1; ; attempt++ {
		var b pgx.Batch
		if attempt == 1 {
			b.Queue(`SELECT EXISTS (SELECT 1 FROM runs WHERE id = $1)`, p.RunID)
		}
		b.Queue(`
			INSERT INTO threads (id, user_id, agent, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
			ON CONFLICT (id) DO NOTHING`, p.ThreadID, p.User, p.Agent, ts(p.Now))
		b.Queue(`SELECT user_id, lease_run_id, lease_until, fence FROM threads WHERE id = $1 FOR UPDATE`, p.ThreadID)
		b.Queue(threadSQL, p.ThreadID, p.User)
		c, err := readClaim(ctx, t, &b, p, attempt == 1)
		// The thread was deleted between the insert and the lock: try
		// again to create it.
		if !errors.Is(err, errThreadGone) || attempt == 3 {
			return c, err
		}
	}
}

// readClaim sends claimThread's batch b and reads its results.
func readClaim(ctx context.Context, t *pipeTx, b *pgx.Batch, p store.StartRun, checkRun bool) (claimed, error) {
	var c claimed
	br, err := t.send(ctx, b, false)
	if err != nil {
		return c, err
	}
	defer br.Close()
	if checkRun {
		var exists bool
		if err := br.QueryRow().Scan(&exists); err != nil {
			return c, fmt.Errorf("look up run: %w", err)
		}
		if exists {
			return c, store.ErrRunExists
		}
	}
	tag, err := br.Exec()
	if err != nil {
		return c, fmt.Errorf("insert thread: %w", err)
	}
	c.created = tag.RowsAffected() == 1
	var user string
	err = br.QueryRow().Scan(&user, &c.holder, &c.leaseUntil, &c.fence)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, errThreadGone
	}
	if err != nil {
		return c, fmt.Errorf("lock thread: %w", err)
	}
	if user != p.User {
		return claimed{}, store.ErrNotFound
	}
	if c.thread, err = scanThread(br.QueryRow(), p.ThreadID); err != nil {
		return c, err
	}
	return c, br.Close()
}

// queueReconcile queues what p.Reconcile makes of th, through Commit's own
// checks and writes, and returns the thread as it will be written. The run
// holds the lease in this transaction, so there is no lease or version to
// check.
func (s *Store) queueReconcile(b *pgx.Batch, p store.StartRun, fence int64, th agentd.Thread) (agentd.Thread, error) {
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
	updated := s.queueCheckpoint(b, cp, bodies, len(th.Messages))
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

// threadCapLockClass is the first key of the advisory lock that
// serialises the creation of one user's threads while they are counted
// against StartRun.MaxThreads (the second key is a hash of the user).
const threadCapLockClass = 0x61677573 // "agus"

// checkThreadCap refuses, with ErrTooManyThreads, the thread this StartRun
// just inserted when it takes its user over p.MaxThreads. The lock makes
// concurrent creations of the user's threads count one after the other:
// each count is a statement of its own after the lock, so it sees every
// thread committed before the lock was granted, and its own insert.
func checkThreadCap(ctx context.Context, t *pipeTx, p store.StartRun) error {
	var b pgx.Batch
	b.Queue(`SELECT pg_advisory_xact_lock($1::int4, hashtext($2))`, threadCapLockClass, p.User)
	b.Queue(`SELECT count(*) FROM (SELECT 1 FROM threads WHERE user_id = $1 LIMIT $2) AS mine`, p.User, p.MaxThreads+1)
	br, err := t.send(ctx, &b, false)
	if err != nil {
		return err
	}
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return fmt.Errorf("lock the user's threads: %w", err)
	}
	var n int
	if err := br.QueryRow().Scan(&n); err != nil {
		return fmt.Errorf("count threads: %w", err)
	}
	if n > p.MaxThreads {
		return store.ErrTooManyThreads
	}
	return br.Close()
}
