package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/store"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Commit implements store.Store: lease and version checks, the optional
// truncation, the appends, the state and the finish all happen in one
// transaction, so a checkpoint is applied entirely or not at all.
func (s *Store) Commit(ctx context.Context, p store.Checkpoint) (int64, error) {
	bodies, err := checkCheckpoint(p)
	if err != nil {
		return 0, fmt.Errorf("sqlite: commit run %s: %w", p.RunID, err)
	}
	var version int64
	err = s.writeTx(ctx, "commit run "+p.RunID, func(tx *sql.Tx) error {
		var (
			holder       string
			fence, count int64
		)
		err := tx.QueryRowContext(ctx,
			`SELECT version, lease_run_id, fence, message_count FROM threads WHERE id = ?`, p.ThreadID,
		).Scan(&version, &holder, &fence, &count)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrFenced // the thread was deleted under the run
		}
		if err != nil {
			return fmt.Errorf("read thread: %w", err)
		}
		if holder != p.RunID || fence != p.Fence {
			return store.ErrFenced
		}
		// A negative version skips the check: it lets a run end even when
		// its last write failed and it no longer knows the version.
		if p.Version >= 0 && version != p.Version {
			return store.ErrVersion
		}

		if p.TruncateAt >= 0 && int64(p.TruncateAt) < count {
			if _, err := tx.ExecContext(ctx,
				`DELETE FROM messages WHERE thread_id = ? AND seq >= ?`, p.ThreadID, p.TruncateAt); err != nil {
				return fmt.Errorf("truncate: %w", err)
			}
			count = int64(p.TruncateAt)
		}
		if err := appendMessages(ctx, tx, p, bodies, count); err != nil {
			return err
		}
		count += int64(len(p.Append))

		finishing := p.Finish != nil
		var state any // NULL keeps the current state
		if p.State != nil {
			state = string(p.State)
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE threads SET
				version = version + 1,
				updated_at = ?,
				message_count = ?,
				state = COALESCE(?, state),
				lease_run_id = CASE WHEN ? THEN '' ELSE lease_run_id END,
				lease_until  = CASE WHEN ? THEN 0 ELSE lease_until END
			WHERE id = ?`,
			ms(s.now()), count, state, finishing, finishing, p.ThreadID); err != nil {
			return fmt.Errorf("update thread: %w", err)
		}
		version++

		if finishing {
			return finishRun(ctx, tx, p.RunID, p.Finish, s.now)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return version, nil
}

// checkCheckpoint validates p and encodes its messages, before the write
// lock is taken.
func checkCheckpoint(p store.Checkpoint) ([]string, error) {
	if p.State != nil && !json.Valid(p.State) {
		return nil, errors.New("state is not valid JSON")
	}
	if f := p.Finish; f != nil && (f.Status == "" || !f.Status.Terminal()) {
		return nil, fmt.Errorf("finish status %q is not a final status", f.Status)
	}
	bodies := make([]string, len(p.Append))
	for i, m := range p.Append {
		if m.ID == "" {
			return nil, fmt.Errorf("message %d to append has no id", i)
		}
		b, err := encodeMessage(m.Message)
		if err != nil {
			return nil, err
		}
		bodies[i] = b
	}
	return bodies, nil
}

// appendMessages inserts p.Append after the first count messages. A message
// id already in the thread (or twice in the batch) fails the whole commit
// with a CodeConflict error: the caller must reconcile ids first.
func appendMessages(ctx context.Context, tx *sql.Tx, p store.Checkpoint, bodies []string, count int64) error {
	if len(p.Append) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `
		INSERT INTO messages (thread_id, seq, id, role, run_id, body) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("append: %w", err)
	}
	defer stmt.Close()
	for i, m := range p.Append {
		_, err := stmt.ExecContext(ctx, p.ThreadID, count+int64(i), m.ID, m.Role, m.RunID, bodies[i])
		if isUniqueViolation(err) {
			return &agentd.Error{
				Code:    agentd.CodeConflict,
				Message: fmt.Sprintf("message id %q is already in thread %q", m.ID, p.ThreadID),
				Cause:   err,
			}
		}
		if err != nil {
			return fmt.Errorf("append message %q: %w", m.ID, err)
		}
	}
	return nil
}

// finishRun ends the run with f.
func finishRun(ctx context.Context, tx *sql.Tx, runID string, f *store.Finish, now func() time.Time) error {
	at := f.At
	if at.IsZero() {
		at = now()
	}
	_, err := tx.ExecContext(ctx, `
		UPDATE runs SET status = ?, finished_at = ?, error_code = ?, error_msg = ?
		WHERE id = ?`,
		string(f.Status), ms(at), f.ErrorCode, f.ErrorMsg, runID)
	if err != nil {
		return fmt.Errorf("finish run: %w", err)
	}
	return nil
}

func isUniqueViolation(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) &&
		(e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}
