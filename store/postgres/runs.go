package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/store"
)

// leaseExpiredCode is the error code of a run whose lease was taken over
// by a later run after it expired.
const leaseExpiredCode = "lease_expired"

// StartRun implements store.Store. The thread's row stays locked from the
// lease check to the commit, so of several instances starting a run on one
// thread at once exactly one gets the lease.
func (s *Store) StartRun(ctx context.Context, p store.StartRun) (agentd.Run, agentd.Thread, error) {
	if p.RunID == "" || p.ThreadID == "" || p.Now.IsZero() || p.LeaseUntil.IsZero() {
		return agentd.Run{}, agentd.Thread{}, errors.New("postgres: start run: run id, thread id, now and lease end are required")
	}
	run := agentd.Run{
		ID:         p.RunID,
		ThreadID:   p.ThreadID,
		Agent:      p.Agent,
		Status:     agentd.RunRunning,
		Owner:      p.Owner,
		LeaseUntil: ts(p.LeaseUntil),
		StartedAt:  ts(p.Now),
	}
	var thread agentd.Thread
	err := s.inTx(ctx, "start run "+p.RunID, func(tx pgx.Tx) error {
		var exists bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM runs WHERE id = $1)`, p.RunID).Scan(&exists)
		if err != nil {
			return fmt.Errorf("look up run: %w", err)
		}
		if exists {
			return store.ErrRunExists
		}

		fence, err := takeLease(ctx, tx, p)
		if err != nil {
			return err
		}
		run.Fence = fence
		_, err = tx.Exec(ctx, `
			INSERT INTO runs (id, thread_id, agent, status, owner, fence, lease_until, started_at)
			VALUES ($1, $2, $3, 'running', $4, $5, $6, $7)`,
			p.RunID, p.ThreadID, p.Agent, p.Owner, fence, run.LeaseUntil, run.StartedAt)
		if isUniqueViolation(err, runsPKey) {
			return store.ErrRunExists // recorded by a concurrent StartRun since the check
		}
		if err != nil {
			return fmt.Errorf("insert run: %w", err)
		}
		thread, err = loadThread(ctx, tx, p.ThreadID)
		return err
	})
	if err != nil {
		return agentd.Run{}, agentd.Thread{}, err
	}
	return run, thread, nil
}

// takeLease gives the thread's lease to run p.RunID, creating the thread
// when missing, and returns the new fencing token. It refuses with
// ErrThreadBusy while another run's lease lasts past p.Now, and marks the
// previous holder interrupted when its lease has expired. It leaves the
// thread's row locked until the transaction ends.
func takeLease(ctx context.Context, tx pgx.Tx, p store.StartRun) (int64, error) {
	now, expiry := ts(p.Now), ts(p.LeaseUntil)
	var (
		holder     string
		leaseUntil *time.Time
		fence      int64
	)
	for attempt := 1; ; attempt++ {
		// A new thread is created with the lease. When another transaction
		// is creating the same thread, the insert waits for it and then
		// does nothing, and the row is locked below like any other.
		err := tx.QueryRow(ctx, `
			INSERT INTO threads (id, agent, created_at, updated_at, lease_run_id, lease_until, fence)
			VALUES ($1, $2, $3, $3, $4, $5, 1)
			ON CONFLICT (id) DO NOTHING
			RETURNING fence`,
			p.ThreadID, p.Agent, now, p.RunID, expiry).Scan(&fence)
		if err == nil {
			return fence, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return 0, fmt.Errorf("insert thread: %w", err)
		}
		err = tx.QueryRow(ctx,
			`SELECT lease_run_id, lease_until, fence FROM threads WHERE id = $1 FOR UPDATE`, p.ThreadID,
		).Scan(&holder, &leaseUntil, &fence)
		if err == nil {
			break
		}
		// No row: the thread was deleted between the insert and the lock.
		// Try again to create it.
		if !errors.Is(err, pgx.ErrNoRows) || attempt == 3 {
			return 0, fmt.Errorf("lock thread: %w", err)
		}
	}

	if holder != "" {
		if leaseUntil != nil && leaseUntil.After(now) {
			return 0, store.ErrThreadBusy
		}
		_, err := tx.Exec(ctx, `
			UPDATE runs SET status = 'interrupted', finished_at = $1, error_code = $2, error_msg = $3
			WHERE id = $4 AND status = 'running'`,
			now, leaseExpiredCode, "lease expired; the thread was taken over by run "+p.RunID, holder)
		if err != nil {
			return 0, fmt.Errorf("interrupt expired run %s: %w", holder, err)
		}
	}
	fence++
	_, err := tx.Exec(ctx,
		`UPDATE threads SET lease_run_id = $1, lease_until = $2, fence = $3 WHERE id = $4`,
		p.RunID, expiry, fence, p.ThreadID)
	if err != nil {
		return 0, fmt.Errorf("take lease: %w", err)
	}
	return fence, nil
}

// RenewLease implements store.Store. Like every write, it locks the
// thread's row before the run's, so it cannot deadlock with them.
func (s *Store) RenewLease(ctx context.Context, runID string, fence int64, until time.Time) error {
	until = ts(until)
	return s.inTx(ctx, "renew lease of "+runID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE threads SET lease_until = $3
			WHERE id = (SELECT thread_id FROM runs WHERE id = $1)
			  AND lease_run_id = $1 AND fence = $2`, runID, fence, until)
		if err != nil {
			return fmt.Errorf("renew thread lease: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrFenced
		}
		tag, err = tx.Exec(ctx, `
			UPDATE runs SET lease_until = $3
			WHERE id = $1 AND fence = $2 AND status = 'running'`, runID, fence, until)
		if err != nil {
			return fmt.Errorf("renew run lease: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrFenced // rolls back the thread's update too
		}
		return nil
	})
}

// InterruptExpired implements store.Store. It locks the candidate threads
// (in id order, so two sweeps cannot deadlock) before it touches their
// runs; a run renewed or finished meanwhile is then seen as such and left
// alone.
func (s *Store) InterruptExpired(ctx context.Context, now time.Time, code, message string) ([]agentd.Run, error) {
	now = ts(now)
	var runs []agentd.Run
	err := s.inTx(ctx, "interrupt expired runs", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT id FROM threads
			WHERE id IN (SELECT thread_id FROM runs WHERE status = 'running' AND lease_until < $1)
			ORDER BY id
			FOR UPDATE`, now)
		if err != nil {
			return fmt.Errorf("lock threads: %w", err)
		}
		threadIDs, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("lock threads: %w", err)
		}
		if len(threadIDs) == 0 {
			return nil
		}

		rows, err = tx.Query(ctx, `
			UPDATE runs SET status = 'interrupted', finished_at = $1, error_code = $2, error_msg = $3
			WHERE thread_id = ANY($4) AND status = 'running' AND lease_until < $1
			RETURNING `+runColumns, now, code, message, threadIDs)
		if err != nil {
			return fmt.Errorf("interrupt runs: %w", err)
		}
		if runs, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (agentd.Run, error) { return scanRun(row) }); err != nil {
			return fmt.Errorf("interrupt runs: %w", err)
		}
		runIDs := make([]string, len(runs))
		for i, r := range runs {
			runIDs[i] = r.ID
		}
		if _, err := tx.Exec(ctx, `
			UPDATE threads SET lease_run_id = '', lease_until = NULL
			WHERE id = ANY($1) AND lease_run_id = ANY($2)`, threadIDs, runIDs); err != nil {
			return fmt.Errorf("free threads: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return runs, nil
}

// GetRun implements store.Store.
func (s *Store) GetRun(ctx context.Context, id string) (agentd.Run, error) {
	r, err := scanRun(s.pool.QueryRow(ctx, `SELECT `+runColumns+` FROM runs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return agentd.Run{}, fmt.Errorf("postgres: get run %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return agentd.Run{}, fmt.Errorf("postgres: get run %s: %w", id, err)
	}
	return r, nil
}
