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

// RenewLeases implements store.Store, in one transaction.
func (s *Store) RenewLeases(ctx context.Context, until time.Time, leases []store.Lease) ([]string, error) {
	var lost []string
	err := s.writeTx(ctx, "renew leases", func(ctx context.Context, tx *sql.Tx) error {
		thread, run := tx.StmtContext(ctx, s.stmt.renewThread), tx.StmtContext(ctx, s.stmt.renewRun)
		for _, l := range leases {
			res, err := thread.ExecContext(ctx, ms(until), l.RunID, l.Fence)
			if err != nil {
				return fmt.Errorf("renew thread lease of %s: %w", l.RunID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				lost = append(lost, l.RunID)
				continue
			}
			if _, err := run.ExecContext(ctx, ms(until), l.RunID); err != nil {
				return fmt.Errorf("renew run lease of %s: %w", l.RunID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return lost, nil
}

// InterruptExpired implements store.Store.
func (s *Store) InterruptExpired(ctx context.Context, now time.Time, code agentd.RunErrorCode, message string) ([]agentd.Run, error) {
	var runs []agentd.Run
	err := s.writeTx(ctx, "interrupt expired runs", func(ctx context.Context, tx *sql.Tx) error {
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
	r, err := scanRun(s.stmt.readRun.QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return agentd.Run{}, fmt.Errorf("sqlite: get run %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return agentd.Run{}, fmt.Errorf("sqlite: get run %s: %w", id, err)
	}
	return r, nil
}

// ListRuns implements store.Store. A thread's runs take ever larger
// fences, so fence order is start order.
func (s *Store) ListRuns(ctx context.Context, user, threadID string) ([]agentd.Run, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+runColumns+` FROM runs
		WHERE thread_id = ? AND user_id = ? ORDER BY fence`, threadID, user)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list runs of %s: %w", threadID, err)
	}
	runs, err := collectRuns(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list runs of %s: %w", threadID, err)
	}
	if len(runs) == 0 {
		// Every thread has had a run; tell a missing one from a bare one all the same.
		var one int
		err := s.read.QueryRowContext(ctx, `SELECT 1 FROM threads WHERE id = ? AND user_id = ?`, threadID, user).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("sqlite: list runs of %s: %w", threadID, store.ErrNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: list runs of %s: %w", threadID, err)
		}
	}
	return runs, nil
}

// UserUsage implements store.Store.
func (s *Store) UserUsage(ctx context.Context, user string, at time.Time) (agentd.Usage, error) {
	var u agentd.Usage
	err := s.stmt.readUsage.QueryRowContext(ctx, user, day(at)).Scan(&u.InputTokens, &u.OutputTokens, &u.CachedInputTokens)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return agentd.Usage{}, fmt.Errorf("sqlite: usage of %s: %w", user, err)
	}
	return u, nil
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
