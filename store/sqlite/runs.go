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

// RenewLease implements store.Store.
func (s *Store) RenewLease(ctx context.Context, runID string, fence int64, until time.Time) error {
	return s.writeTx(ctx, "renew lease of "+runID, func(ctx context.Context, tx *sql.Tx) error {
		var threadID string
		err := tx.StmtContext(ctx, s.stmt.renewRun).QueryRowContext(ctx, ms(until), runID, fence).Scan(&threadID)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrFenced
		}
		if err != nil {
			return err
		}
		res, err := tx.StmtContext(ctx, s.stmt.renewThread).ExecContext(ctx, ms(until), threadID, runID, fence)
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
