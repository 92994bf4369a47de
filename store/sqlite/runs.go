package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/store"
)

// leaseExpiredCode is the error code of a run whose lease was taken over
// by a later run after it expired.
const leaseExpiredCode = "lease_expired"

// StartRun implements store.Store.
func (s *Store) StartRun(ctx context.Context, p store.StartRun) (agentd.Run, agentd.Thread, error) {
	if p.RunID == "" || p.ThreadID == "" || p.Now.IsZero() || p.LeaseUntil.IsZero() {
		return agentd.Run{}, agentd.Thread{}, errors.New("sqlite: start run: run id, thread id, now and lease end are required")
	}
	run := agentd.Run{
		ID:         p.RunID,
		ThreadID:   p.ThreadID,
		Agent:      p.Agent,
		Status:     agentd.RunRunning,
		Owner:      p.Owner,
		LeaseUntil: fromMS(ms(p.LeaseUntil)),
		StartedAt:  fromMS(ms(p.Now)),
	}
	var thread agentd.Thread
	err := s.writeTx(ctx, "start run "+p.RunID, func(tx *sql.Tx) error {
		var exists int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM runs WHERE id = ?`, p.RunID).Scan(&exists)
		if err == nil {
			return store.ErrRunExists
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}

		fence, err := takeLease(ctx, tx, p)
		if err != nil {
			return err
		}
		run.Fence = fence
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO runs (id, thread_id, agent, status, owner, fence, lease_until, started_at)
			VALUES (?, ?, ?, 'running', ?, ?, ?, ?)`,
			p.RunID, p.ThreadID, p.Agent, p.Owner, fence, ms(p.LeaseUntil), ms(p.Now)); err != nil {
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
// previous holder interrupted when its lease has expired.
func takeLease(ctx context.Context, tx *sql.Tx, p store.StartRun) (int64, error) {
	var (
		holder      string
		leaseUntil  int64
		fence       int64
		now, expiry = ms(p.Now), ms(p.LeaseUntil)
	)
	err := tx.QueryRowContext(ctx,
		`SELECT lease_run_id, lease_until, fence FROM threads WHERE id = ?`, p.ThreadID,
	).Scan(&holder, &leaseUntil, &fence)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err := tx.ExecContext(ctx, `
			INSERT INTO threads (id, agent, created_at, updated_at, lease_run_id, lease_until, fence)
			VALUES (?, ?, ?, ?, ?, ?, 1)`,
			p.ThreadID, p.Agent, now, now, p.RunID, expiry)
		if err != nil {
			return 0, fmt.Errorf("insert thread: %w", err)
		}
		return 1, nil
	case err != nil:
		return 0, fmt.Errorf("read thread: %w", err)
	}

	if holder != "" {
		if leaseUntil > now {
			return 0, store.ErrThreadBusy
		}
		_, err := tx.ExecContext(ctx, `
			UPDATE runs SET status = 'interrupted', finished_at = ?, error_code = ?, error_msg = ?
			WHERE id = ? AND status = 'running'`,
			now, leaseExpiredCode, "lease expired; the thread was taken over by run "+p.RunID, holder)
		if err != nil {
			return 0, fmt.Errorf("interrupt expired run %s: %w", holder, err)
		}
	}
	fence++
	_, err = tx.ExecContext(ctx,
		`UPDATE threads SET lease_run_id = ?, lease_until = ?, fence = ? WHERE id = ?`,
		p.RunID, expiry, fence, p.ThreadID)
	if err != nil {
		return 0, fmt.Errorf("take lease: %w", err)
	}
	return fence, nil
}

// RenewLease implements store.Store.
func (s *Store) RenewLease(ctx context.Context, runID string, fence int64, until time.Time) error {
	return s.writeTx(ctx, "renew lease of "+runID, func(tx *sql.Tx) error {
		var threadID string
		err := tx.QueryRowContext(ctx, `
			UPDATE runs SET lease_until = ?
			WHERE id = ? AND fence = ? AND status = 'running'
			RETURNING thread_id`, ms(until), runID, fence).Scan(&threadID)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrFenced
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE threads SET lease_until = ?
			WHERE id = ? AND lease_run_id = ? AND fence = ?`, ms(until), threadID, runID, fence)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrFenced // rolls back the runs update too
		}
		return nil
	})
}

// InterruptExpired implements store.Store.
func (s *Store) InterruptExpired(ctx context.Context, now time.Time, code, message string) ([]agentd.Run, error) {
	var runs []agentd.Run
	err := s.writeTx(ctx, "interrupt expired runs", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `
			UPDATE runs SET status = 'interrupted', finished_at = ?1, error_code = ?2, error_msg = ?3
			WHERE status = 'running' AND lease_until < ?1
			RETURNING `+runColumns, ms(now), code, message)
		if err != nil {
			return err
		}
		if runs, err = collectRuns(rows); err != nil {
			return err
		}
		for _, r := range runs {
			if _, err := tx.ExecContext(ctx, `
				UPDATE threads SET lease_run_id = '', lease_until = 0
				WHERE id = ? AND lease_run_id = ?`, r.ThreadID, r.ID); err != nil {
				return fmt.Errorf("free thread %s: %w", r.ThreadID, err)
			}
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
	r, err := scanRun(s.read.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return agentd.Run{}, fmt.Errorf("sqlite: get run %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return agentd.Run{}, fmt.Errorf("sqlite: get run %s: %w", id, err)
	}
	return r, nil
}

// collectRuns scans and closes rows of runColumns.
func collectRuns(rows *sql.Rows) ([]agentd.Run, error) {
	defer rows.Close()
	var runs []agentd.Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, rows.Err()
}
