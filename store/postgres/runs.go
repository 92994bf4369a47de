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
