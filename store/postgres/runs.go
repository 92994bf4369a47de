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

// RenewLeases implements store.Store, in one transaction. Like every
// write, it locks the threads' rows (in id order) before the runs', so it
// cannot deadlock with the others.
func (s *Store) RenewLeases(ctx context.Context, until time.Time, leases []store.Lease) ([]string, error) {
	until = ts(until)
	ids := make([]string, len(leases))
	fences := make([]int64, len(leases))
	for i, l := range leases {
		ids[i], fences[i] = l.RunID, l.Fence
	}
	var renewed []string
	err := s.inTx(ctx, "renew leases", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			SELECT 1 FROM threads WHERE id IN (SELECT thread_id FROM runs WHERE id = ANY($1))
			ORDER BY id FOR UPDATE`, ids); err != nil {
			return fmt.Errorf("lock threads: %w", err)
		}
		rows, err := tx.Query(ctx, `
			WITH held AS (
				SELECT r.id, r.thread_id, r.fence
				FROM unnest($1::text[], $2::bigint[]) AS l(run_id, fence)
				JOIN runs r ON r.id = l.run_id AND r.fence = l.fence AND r.status = 'running'
			), renewed AS (
				UPDATE threads t SET lease_until = $3 FROM held
				WHERE t.id = held.thread_id AND t.lease_run_id = held.id AND t.fence = held.fence
				RETURNING held.id
			)
			UPDATE runs SET lease_until = $3 WHERE id IN (SELECT id FROM renewed)
			RETURNING id`, ids, fences, until)
		if err != nil {
			return fmt.Errorf("renew: %w", err)
		}
		renewed, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, err
	}
	return lostOf(leases, renewed), nil
}

// InterruptExpired implements store.Store. It locks the candidate threads
// (in id order, so two sweeps cannot deadlock) before it touches their
// runs; a run renewed or finished meanwhile is then seen as such and left
// alone.
func (s *Store) InterruptExpired(ctx context.Context, now time.Time, code agentd.RunErrorCode, message string) ([]agentd.Run, error) {
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
	c, err := s.reader(ctx)
	if err != nil {
		return agentd.Run{}, fmt.Errorf("postgres: get run %s: %w", id, err)
	}
	defer c.Release()
	r, err := scanRun(c.QueryRow(ctx, `SELECT `+runColumns+` FROM runs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return agentd.Run{}, fmt.Errorf("postgres: get run %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return agentd.Run{}, fmt.Errorf("postgres: get run %s: %w", id, err)
	}
	return r, nil
}

// ListRuns implements store.Store. A thread's runs take ever larger
// fences, so fence order is start order.
func (s *Store) ListRuns(ctx context.Context, user, threadID string) ([]agentd.Run, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+runColumns+` FROM runs
		WHERE thread_id = $1 AND user_id = $2 ORDER BY fence`, threadID, user)
	if err != nil {
		return nil, fmt.Errorf("postgres: list runs of %s: %w", threadID, err)
	}
	runs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (agentd.Run, error) { return scanRun(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list runs of %s: %w", threadID, err)
	}
	if len(runs) == 0 {
		// Every thread has had a run; tell a missing one from a bare one all the same.
		var one int
		err := s.pool.QueryRow(ctx, `SELECT 1 FROM threads WHERE id = $1 AND user_id = $2`, threadID, user).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("postgres: list runs of %s: %w", threadID, store.ErrNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("postgres: list runs of %s: %w", threadID, err)
		}
	}
	return runs, nil
}

// UserUsage implements store.Store.
func (s *Store) UserUsage(ctx context.Context, user string, at time.Time) (agentd.Usage, error) {
	var u agentd.Usage
	err := s.pool.QueryRow(ctx, `
		SELECT input_tokens, output_tokens, cached_input_tokens FROM user_usage WHERE user_id = $1 AND day = $2`,
		user, day(at)).Scan(&u.InputTokens, &u.OutputTokens, &u.CachedInputTokens)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return agentd.Usage{}, fmt.Errorf("postgres: usage of %s: %w", user, err)
	}
	return u, nil
}

// lostOf lists the runs of leases that are not among renewed, in order.
func lostOf(leases []store.Lease, renewed []string) []string {
	ok := make(map[string]bool, len(renewed))
	for _, id := range renewed {
		ok[id] = true
	}
	var lost []string
	for _, l := range leases {
		if !ok[l.RunID] {
			lost = append(lost, l.RunID)
		}
	}
	return lost
}
