package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/store"
)

// GetThread implements store.Store. The thread and its messages are read in
// one transaction, so they belong to the same version.
func (s *Store) GetThread(ctx context.Context, id string) (agentd.Thread, error) {
	var t agentd.Thread
	err := s.readTx(ctx, "get thread "+id, func(tx *sql.Tx) error {
		var err error
		t, err = loadThread(ctx, tx, id)
		return err
	})
	return t, err
}

// loadThread reads a thread with all its messages, in order.
func loadThread(ctx context.Context, tx *sql.Tx, id string) (agentd.Thread, error) {
	t := agentd.Thread{ID: id}
	var (
		state            string
		created, updated int64
		count            int
	)
	err := tx.QueryRowContext(ctx, `
		SELECT agent, version, state, created_at, updated_at, message_count
		FROM threads WHERE id = ?`, id,
	).Scan(&t.Agent, &t.Version, &state, &created, &updated, &count)
	if errors.Is(err, sql.ErrNoRows) {
		return t, store.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("read thread: %w", err)
	}
	t.State = []byte(state)
	t.CreatedAt, t.UpdatedAt = fromMS(created), fromMS(updated)

	rows, err := tx.QueryContext(ctx,
		`SELECT body FROM messages WHERE thread_id = ? ORDER BY seq`, id)
	if err != nil {
		return t, fmt.Errorf("read messages: %w", err)
	}
	defer rows.Close()
	t.Messages = make([]agui.Message, 0, count)
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return t, fmt.Errorf("read messages: %w", err)
		}
		m, err := decodeMessage(body)
		if err != nil {
			return t, err
		}
		t.Messages = append(t.Messages, m)
	}
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("read messages: %w", err)
	}
	return t, nil
}

// ListThreads implements store.Store with keyset pagination on
// (updated_at DESC, id ASC), served by the threads_by_updated index. A page
// never shifts because of rows written after the cursor was issued.
func (s *Store) ListThreads(ctx context.Context, q store.ThreadQuery) (store.ThreadPage, error) {
	limit := q.Limit
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 500 {
		return store.ThreadPage{}, agentd.Errorf(agentd.CodeInvalid, "limit %d is out of range 1..500", q.Limit)
	}
	// The first page starts after the largest possible key.
	after := cursor{UpdatedAt: 1<<63 - 1}
	if q.Cursor != "" {
		var err error
		if after, err = parseCursor(q.Cursor); err != nil {
			return store.ThreadPage{}, err
		}
	}

	// One row more than the page tells whether there is a next page.
	rows, err := s.read.QueryContext(ctx, `
		SELECT id, agent, message_count, created_at, updated_at FROM threads
		WHERE updated_at <= ?1 AND (updated_at < ?1 OR id > ?2)
		ORDER BY updated_at DESC, id
		LIMIT ?3`, after.UpdatedAt, after.ID, limit+1)
	if err != nil {
		return store.ThreadPage{}, fmt.Errorf("sqlite: list threads: %w", err)
	}
	defer rows.Close()
	var page store.ThreadPage
	for rows.Next() {
		var (
			t                agentd.ThreadSummary
			created, updated int64
		)
		if err := rows.Scan(&t.ID, &t.Agent, &t.MessageCount, &created, &updated); err != nil {
			return store.ThreadPage{}, fmt.Errorf("sqlite: list threads: %w", err)
		}
		t.CreatedAt, t.UpdatedAt = fromMS(created), fromMS(updated)
		page.Threads = append(page.Threads, t)
	}
	if err := rows.Err(); err != nil {
		return store.ThreadPage{}, fmt.Errorf("sqlite: list threads: %w", err)
	}
	if len(page.Threads) > limit {
		page.Threads = page.Threads[:limit]
		last := page.Threads[limit-1]
		page.Next = cursor{UpdatedAt: ms(last.UpdatedAt), ID: last.ID}.String()
	}
	return page, nil
}

// DeleteThread implements store.Store. Messages and runs go with the
// thread (ON DELETE CASCADE).
func (s *Store) DeleteThread(ctx context.Context, id string) error {
	return s.writeTx(ctx, "delete thread "+id, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM threads WHERE id = ?`, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// idleBatch is how many threads DeleteIdleThreads deletes per transaction:
// small enough that runs waiting for the write connection are not held up
// for long by a large cleanup.
const idleBatch = 200

// DeleteIdleThreads implements store.Store.
func (s *Store) DeleteIdleThreads(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		var n int64
		err := s.writeTx(ctx, "delete idle threads", func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `
				DELETE FROM threads WHERE id IN (
					SELECT t.id FROM threads t
					WHERE t.updated_at < ?
					  AND NOT EXISTS (SELECT 1 FROM runs r
					                  WHERE r.thread_id = t.id AND r.status = 'running')
					LIMIT ?)`, ms(before), idleBatch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		total += int(n)
		if err != nil {
			return total, err
		}
		if n < idleBatch {
			return total, nil
		}
	}
}
