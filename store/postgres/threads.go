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

// GetThread implements store.Store.
func (s *Store) GetThread(ctx context.Context, user, id string) (agentd.Thread, error) {
	c, err := s.reader(ctx)
	if err != nil {
		return agentd.Thread{}, fmt.Errorf("postgres: get thread %s: %w", id, err)
	}
	defer c.Release()
	t, err := loadThread(ctx, c, user, id)
	if err != nil {
		return t, fmt.Errorf("postgres: get thread %s: %w", id, err)
	}
	return t, nil
}

// querier is the pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// threadSQL reads a user's thread with the messages of its current branch,
// in order, in one statement: the thread and its messages come from one
// snapshot, so they belong to the same version, without a transaction
// around two reads. It must not lock: a locking read that waited would see
// the thread's new row but the messages of its older snapshot.
const threadSQL = `
	SELECT user_id, agent, version, state, created_at, updated_at,
	       ARRAY(SELECT body::text FROM messages WHERE thread_id = t.id AND superseded_by = '' ORDER BY seq)
	FROM threads t WHERE id = $1 AND user_id = $2`

// historySQL reads a user's thread with all its messages, current and
// superseded, in seq order, in one statement as threadSQL.
const historySQL = `
	SELECT user_id, agent, version, state, created_at, updated_at,
	       ARRAY(SELECT body::text FROM messages WHERE thread_id = t.id ORDER BY seq),
	       ARRAY(SELECT superseded_by::text FROM messages WHERE thread_id = t.id ORDER BY seq)
	FROM threads t WHERE id = $1 AND user_id = $2`

// loadThread reads a user's thread with all its messages (threadSQL).
func loadThread(ctx context.Context, q querier, user, id string) (agentd.Thread, error) {
	return scanThread(q.QueryRow(ctx, threadSQL, id, user), id)
}

// scanThread reads a row of threadSQL.
func scanThread(row pgx.Row, id string) (agentd.Thread, error) {
	t, _, err := scanThreadRow(row, id, false)
	return t, err
}

// ThreadHistory implements store.Store.
func (s *Store) ThreadHistory(ctx context.Context, user, id string) (agentd.Thread, []store.HistoryMessage, error) {
	c, err := s.reader(ctx)
	if err != nil {
		return agentd.Thread{}, nil, fmt.Errorf("postgres: thread history %s: %w", id, err)
	}
	defer c.Release()
	t, all, err := scanThreadRow(c.QueryRow(ctx, historySQL, id, user), id, true)
	if err != nil {
		return t, nil, fmt.Errorf("postgres: thread history %s: %w", id, err)
	}
	return t, all, nil
}

// scanThreadRow reads a row of threadSQL, or of historySQL when history
// is set: then it returns every message, and gives the thread those of
// its current branch.
func scanThreadRow(row pgx.Row, id string, history bool) (agentd.Thread, []store.HistoryMessage, error) {
	t := agentd.Thread{ID: id}
	var bodies, by []string
	dest := []any{&t.User, &t.Agent, &t.Version, &t.State, &t.CreatedAt, &t.UpdatedAt, &bodies}
	if history {
		dest = append(dest, &by)
	}
	err := row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, nil, store.ErrNotFound
	}
	if err != nil {
		return t, nil, fmt.Errorf("read thread: %w", err)
	}
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	msgs, err := decodeMessages(bodies)
	if err != nil {
		return t, nil, err
	}
	if !history {
		t.Messages = msgs
		return t, nil, nil
	}
	if len(by) != len(msgs) {
		return t, nil, fmt.Errorf("read thread: %d messages but %d marks", len(msgs), len(by))
	}
	all := make([]store.HistoryMessage, len(msgs))
	t.Messages = make([]agui.Message, 0, len(msgs))
	for i, m := range msgs {
		all[i] = store.HistoryMessage{Message: m, SupersededBy: by[i]}
		if by[i] == "" {
			t.Messages = append(t.Messages, m)
		}
	}
	return t, all, nil
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
	// One row more than the page tells whether there is a next page.
	const columns = `SELECT id, agent, message_count, created_at, updated_at FROM threads`
	c, err := s.reader(ctx)
	if err != nil {
		return store.ThreadPage{}, fmt.Errorf("postgres: list threads: %w", err)
	}
	defer c.Release()
	var rows pgx.Rows
	if q.Cursor == "" {
		rows, err = c.Query(ctx, columns+`
			WHERE user_id = $2
			ORDER BY updated_at DESC, id
			LIMIT $1`, limit+1, q.User)
	} else {
		after, perr := parseCursor(q.Cursor)
		if perr != nil {
			return store.ThreadPage{}, perr
		}
		rows, err = c.Query(ctx, columns+`
			WHERE user_id = $4 AND updated_at <= $1 AND (updated_at < $1 OR id > $2)
			ORDER BY updated_at DESC, id
			LIMIT $3`, after.time(), after.ID, limit+1, q.User)
	}
	if err != nil {
		return store.ThreadPage{}, fmt.Errorf("postgres: list threads: %w", err)
	}
	threads, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (agentd.ThreadSummary, error) {
		var t agentd.ThreadSummary
		err := row.Scan(&t.ID, &t.Agent, &t.MessageCount, &t.CreatedAt, &t.UpdatedAt)
		t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
		return t, err
	})
	if err != nil {
		return store.ThreadPage{}, fmt.Errorf("postgres: list threads: %w", err)
	}
	page := store.ThreadPage{Threads: threads}
	if len(threads) > limit {
		page.Threads = threads[:limit]
		last := page.Threads[limit-1]
		page.Next = newCursor(last.UpdatedAt, last.ID).String()
	}
	return page, nil
}

// DeleteThread implements store.Store. Messages and runs go with the
// thread (ON DELETE CASCADE); a run still writing to it is fenced out.
func (s *Store) DeleteThread(ctx context.Context, user, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM threads WHERE id = $1 AND user_id = $2`, id, user)
	if err != nil {
		return fmt.Errorf("postgres: delete thread %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: delete thread %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// idleBatch is how many threads DeleteIdleThreads deletes per statement,
// so that a large cleanup holds its locks only briefly.
const idleBatch = 200

// DeleteIdleThreads implements store.Store. A thread has a running run
// exactly while it is leased (lease_run_id is set). Candidates are locked
// with SKIP LOCKED and rechecked on their latest version, so a thread that
// a run is starting on right now is skipped rather than deleted under it.
func (s *Store) DeleteIdleThreads(ctx context.Context, before time.Time) (int, error) {
	before = ts(before)
	total := 0
	for {
		tag, err := s.pool.Exec(ctx, `
			DELETE FROM threads WHERE id IN (
				SELECT id FROM threads
				WHERE updated_at < $1 AND lease_run_id = ''
				LIMIT $2
				FOR UPDATE SKIP LOCKED)`, before, idleBatch)
		if err != nil {
			return total, fmt.Errorf("postgres: delete idle threads: %w", err)
		}
		n := int(tag.RowsAffected())
		total += n
		if n < idleBatch {
			return total, nil
		}
	}
}
