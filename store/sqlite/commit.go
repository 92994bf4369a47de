package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/store"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Commit implements store.Store: lease and version checks, the optional
// truncation (which supersedes, never deletes), the appends, the state and
// the finish all happen in one transaction, so a checkpoint is applied
// entirely or not at all.
func (s *Store) Commit(ctx context.Context, p store.Checkpoint) (int64, error) {
	bodies, err := checkCheckpoint(p)
	if err != nil {
		return 0, fmt.Errorf("sqlite: commit run %s: %w", p.RunID, err)
	}
	var version int64
	err = s.writeTx(ctx, "commit run "+p.RunID, func(ctx context.Context, tx *sql.Tx) error {
		var (
			holder       string
			fence, count int64
		)
		err := tx.StmtContext(ctx, s.stmt.threadForCommit).QueryRowContext(ctx, p.ThreadID).
			Scan(&version, &holder, &fence, &count)
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
		if _, err := s.writeCheckpoint(ctx, tx, p, bodies, count); err != nil {
			return err
		}
		version++
		return nil
	})
	if err != nil {
		return 0, err
	}
	return version, nil
}

// writeCheckpoint applies p to a thread of count current messages whose
// lease (and version) the caller has checked in tx: the truncation, the
// appends, the state, the version and, when p finishes the run, the run's
// end and the thread's release. It returns the thread's new updated_at. Commit and a
// reconciling StartRun both write through it.
func (s *Store) writeCheckpoint(ctx context.Context, tx *sql.Tx, p store.Checkpoint, bodies []string, count int64) (time.Time, error) {
	if p.TruncateAt >= 0 && int64(p.TruncateAt) < count {
		if _, err := tx.StmtContext(ctx, s.stmt.supersede).ExecContext(ctx, p.RunID, p.ThreadID, p.TruncateAt); err != nil {
			return time.Time{}, fmt.Errorf("truncate: %w", err)
		}
		count = int64(p.TruncateAt)
	}
	if err := s.appendMessages(ctx, tx, p, bodies); err != nil {
		return time.Time{}, err
	}
	count += int64(len(p.Append))

	finishing := p.Finish != nil
	var state any // NULL keeps the current state
	if p.State != nil {
		state = string(p.State)
	}
	updated := fromMS(ms(s.now()))
	if _, err := tx.StmtContext(ctx, s.stmt.updateThread).ExecContext(ctx,
		ms(updated), count, state, finishing, finishing, p.ThreadID); err != nil {
		return time.Time{}, fmt.Errorf("update thread: %w", err)
	}
	if finishing {
		if err := s.finishRun(ctx, tx, p.RunID, p.Finish); err != nil {
			return time.Time{}, err
		}
	}
	if err := s.addUsage(ctx, tx, p.RunID, p.Usage); err != nil {
		return time.Time{}, err
	}
	return updated, nil
}

// addUsage adds u to the run's usage and to its user's of today (UTC).
func (s *Store) addUsage(ctx context.Context, tx *sql.Tx, runID string, u agentd.Usage) error {
	if u == (agentd.Usage{}) {
		return nil
	}
	var user string
	err := tx.StmtContext(ctx, s.stmt.addRunUsage).QueryRowContext(ctx,
		u.InputTokens, u.OutputTokens, u.CachedInputTokens, runID).Scan(&user)
	if err != nil {
		return fmt.Errorf("add run usage: %w", err)
	}
	if _, err := tx.StmtContext(ctx, s.stmt.addUserUsage).ExecContext(ctx,
		user, day(s.now()), u.InputTokens, u.OutputTokens, u.CachedInputTokens); err != nil {
		return fmt.Errorf("add user usage: %w", err)
	}
	return nil
}

// day is the user_usage key of t's UTC day.
func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// checkCheckpoint validates p and encodes its messages, before the write
// lock is taken.
func checkCheckpoint(p store.Checkpoint) ([]string, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	bodies := make([]string, len(p.Append))
	for i, m := range p.Append {
		b, err := encodeMessage(m.Message)
		if err != nil {
			return nil, err
		}
		bodies[i] = b
	}
	return bodies, nil
}

// appendMessages inserts p.Append at the end of the current branch. A
// message id already in it (or twice in the batch) fails the whole commit
// with a CodeConflict error: the caller must reconcile ids first. A
// superseded message's id may be appended again.
func (s *Store) appendMessages(ctx context.Context, tx *sql.Tx, p store.Checkpoint, bodies []string) error {
	if len(p.Append) == 0 {
		return nil
	}
	stmt := tx.StmtContext(ctx, s.stmt.insertMessage)
	for i, m := range p.Append {
		_, err := stmt.ExecContext(ctx, p.ThreadID, m.ID, m.Role, m.RunID, bodies[i])
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
func (s *Store) finishRun(ctx context.Context, tx *sql.Tx, runID string, f *store.Finish) error {
	at := f.At
	if at.IsZero() {
		at = s.now()
	}
	_, err := tx.StmtContext(ctx, s.stmt.finishRun).ExecContext(ctx,
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
