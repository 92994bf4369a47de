package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/store"
)

// Commit implements store.Store. The thread's row is locked first (FOR
// UPDATE) and the lease and version checked against it; the truncation,
// the appends, the thread update and the finish then go to the server in
// one batch, and the transaction commits all of it or nothing. A writer
// that another instance fenced out while it waited for the lock sees the
// new holder and is refused.
func (s *Store) Commit(ctx context.Context, p store.Checkpoint) (int64, error) {
	bodies, err := checkCheckpoint(p)
	if err != nil {
		return 0, fmt.Errorf("postgres: commit run %s: %w", p.RunID, err)
	}
	var version int64
	err = s.inTx(ctx, "commit run "+p.RunID, func(tx pgx.Tx) error {
		var (
			holder string
			fence  int64
			count  int
		)
		err := tx.QueryRow(ctx,
			`SELECT version, lease_run_id, fence, message_count FROM threads WHERE id = $1 FOR UPDATE`, p.ThreadID,
		).Scan(&version, &holder, &fence, &count)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrFenced // the thread was deleted under the run
		}
		if err != nil {
			return fmt.Errorf("lock thread: %w", err)
		}
		if holder != p.RunID || fence != p.Fence {
			return store.ErrFenced
		}
		// A negative version skips the check: it lets a run end even when
		// its last write failed and it no longer knows the version.
		if p.Version >= 0 && version != p.Version {
			return store.ErrVersion
		}
		if err := s.writeCheckpoint(ctx, tx, p, bodies, count); err != nil {
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

// writeCheckpoint sends the writes of p to a thread holding count
// messages, in one round trip.
func (s *Store) writeCheckpoint(ctx context.Context, tx pgx.Tx, p store.Checkpoint, bodies []string, count int) error {
	var b pgx.Batch
	if p.TruncateAt >= 0 && p.TruncateAt < count {
		b.Queue(`DELETE FROM messages WHERE thread_id = $1 AND seq >= $2`, p.ThreadID, p.TruncateAt)
		count = p.TruncateAt
	}
	if len(p.Append) > 0 {
		ids := make([]string, len(p.Append))
		roles := make([]string, len(p.Append))
		runIDs := make([]string, len(p.Append))
		for i, m := range p.Append {
			ids[i], roles[i], runIDs[i] = m.ID, m.Role, m.RunID
		}
		// WITH ORDINALITY numbers the batch from 1 in the arrays' order.
		b.Queue(`
			INSERT INTO messages (thread_id, seq, id, role, run_id, body)
			SELECT $1, $2 + m.n - 1, m.id, m.role, m.run_id, m.body::json
			FROM unnest($3::text[], $4::text[], $5::text[], $6::text[])
			     WITH ORDINALITY AS m (id, role, run_id, body, n)`,
			p.ThreadID, count, ids, roles, runIDs, bodies)
		count += len(p.Append)
	}

	finishing := p.Finish != nil
	var state any // NULL keeps the current state
	if p.State != nil {
		state = string(p.State)
	}
	b.Queue(`
		UPDATE threads SET
			version = version + 1,
			updated_at = $2,
			message_count = $3,
			state = COALESCE($4::json, state),
			lease_run_id = CASE WHEN $5 THEN '' ELSE lease_run_id END,
			lease_until  = CASE WHEN $5 THEN NULL ELSE lease_until END
		WHERE id = $1`,
		p.ThreadID, ts(s.now()), count, state, finishing)
	if finishing {
		at := p.Finish.At
		if at.IsZero() {
			at = s.now()
		}
		b.Queue(`
			UPDATE runs SET status = $2, finished_at = $3, error_code = $4, error_msg = $5
			WHERE id = $1`,
			p.RunID, string(p.Finish.Status), ts(at), p.Finish.ErrorCode, p.Finish.ErrorMsg)
	}

	err := tx.SendBatch(ctx, &b).Close() // runs every statement, returns the first error
	if isUniqueViolation(err, messagesIDKey) {
		return &agentd.Error{
			Code:    agentd.CodeConflict,
			Message: fmt.Sprintf("a message id to append is already in thread %q or twice in the batch", p.ThreadID),
			Cause:   err,
		}
	}
	if err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	return nil
}

// checkCheckpoint validates p and encodes its messages, before any lock is
// taken.
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
