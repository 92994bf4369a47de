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
func (s *Store) GetThread(ctx context.Context, user, id string) (agentd.Thread, error) {
	var t agentd.Thread
	err := s.readTx(ctx, "get thread "+id, func(ctx context.Context, tx *sql.Tx) error {
		var count int
		var err error
		if t, count, err = s.readThread(ctx, tx, user, id); err != nil {
			return err
		}
		t.Messages, err = loadMessages(ctx, tx.StmtContext(ctx, s.stmt.readMessages), id, count)
		return err
	})
	return t, err
}

// ThreadHistory implements store.Store, in one transaction as GetThread.
func (s *Store) ThreadHistory(ctx context.Context, user, id string) (agentd.Thread, []store.HistoryMessage, error) {
	var (
		t   agentd.Thread
		all []store.HistoryMessage
	)
	err := s.readTx(ctx, "thread history "+id, func(ctx context.Context, tx *sql.Tx) error {
		var count int
		var err error
		if t, count, err = s.readThread(ctx, tx, user, id); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT body, superseded_by FROM messages WHERE thread_id = ? ORDER BY seq`, id)
		if err != nil {
			return fmt.Errorf("read messages: %w", err)
		}
		defer rows.Close()
		t.Messages = make([]agui.Message, 0, count)
		for rows.Next() {
			var body, by string
			if err := rows.Scan(&body, &by); err != nil {
				return fmt.Errorf("read messages: %w", err)
			}
			m, err := decodeMessage(body)
			if err != nil {
				return err
			}
			all = append(all, store.HistoryMessage{Message: m, SupersededBy: by})
			if by == "" {
				t.Messages = append(t.Messages, m)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read messages: %w", err)
		}
		return nil
	})
	return t, all, err
}

// readThread reads the user's thread, without its messages, and its
// message count.
func (s *Store) readThread(ctx context.Context, tx *sql.Tx, user, id string) (agentd.Thread, int, error) {
	t := agentd.Thread{ID: id}
	count, err := scanThread(tx.StmtContext(ctx, s.stmt.readThread).QueryRowContext(ctx, id, user), &t)
	if errors.Is(err, sql.ErrNoRows) {
		return t, 0, store.ErrNotFound
	}
	if err != nil {
		return t, 0, fmt.Errorf("read thread: %w", err)
	}
	return t, count, nil
}

// scanThread reads a row of threadColumns into t, after the columns before
// them into lead, and returns the thread's message count.
func scanThread(sc scanner, t *agentd.Thread, lead ...any) (int, error) {
	var (
		state            string
		created, updated int64
		count            int
	)
	err := sc.Scan(append(lead, &t.User, &t.Agent, &t.Version, &state, &created, &updated, &count)...)
	if err != nil {
		return 0, err
	}
	t.State = []byte(state)
	t.CreatedAt, t.UpdatedAt = fromMS(created), fromMS(updated)
	return count, nil
}

// loadMessages reads the count messages of a thread, in order, with stmt
// (messagesSQL bound to the caller's transaction).
func loadMessages(ctx context.Context, stmt *sql.Stmt, threadID string, count int) ([]agui.Message, error) {
	msgs := make([]agui.Message, 0, count)
	if count == 0 {
		return msgs, nil
	}
	rows, err := stmt.QueryContext(ctx, threadID)
	if err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("read messages: %w", err)
		}
		m, err := decodeMessage(body)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	return msgs, nil
}

// ListThreads implements store.Store with keyset pagination on
// (updated_at DESC, id ASC) within the user's threads, served by the
// threads_by_user index. A page
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
		WHERE user_id = ?4 AND updated_at <= ?1 AND (updated_at < ?1 OR id > ?2)
		ORDER BY updated_at DESC, id
		LIMIT ?3`, after.UpdatedAt, after.ID, limit+1, q.User)
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
func (s *Store) DeleteThread(ctx context.Context, user, id string) error {
	return s.writeTx(ctx, "delete thread "+id, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM threads WHERE id = ? AND user_id = ?`, id, user)
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
		err := s.writeTx(ctx, "delete idle threads", func(ctx context.Context, tx *sql.Tx) error {
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
