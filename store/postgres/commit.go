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

// Commit implements store.Store, in two round trips. The thread's row is
// locked first (FOR UPDATE) and the lease and version checked against it;
// the truncation (which supersedes, never deletes), the appends, the
// thread update, the finish and the COMMIT then go to the server in one
// batch, which commits all of it or nothing. A writer that another instance fenced out while it waited for
// the lock sees the new holder and is refused.
func (s *Store) Commit(ctx context.Context, p store.Checkpoint) (int64, error) {
	bodies, err := checkCheckpoint(p)
	if err != nil {
		return 0, fmt.Errorf("postgres: commit run %s: %w", p.RunID, err)
	}
	var version int64
	err = s.inPipe(ctx, "commit run "+p.RunID, func(t *pipeTx) error {
		var (
			holder string
			fence  int64
			count  int
			lock   pgx.Batch
		)
		lock.Queue(`SELECT version, lease_run_id, fence, message_count FROM threads WHERE id = $1 FOR UPDATE`, p.ThreadID)
		br, err := t.send(ctx, &lock, false)
		if err != nil {
			return err
		}
		err = br.QueryRow().Scan(&version, &holder, &fence, &count)
		if cerr := br.Close(); err == nil {
			err = cerr
		}
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
		var b pgx.Batch
		s.queueCheckpoint(&b, p, bodies, count)
		if err := commitBatch(ctx, t, &b, p.ThreadID); err != nil {
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

// queueCheckpoint queues the writes of p to a thread of count current
// messages whose lease (and version) the caller has checked: the
// truncation, the appends, the state, the version and, when p finishes the
// run, the run's end and the thread's release. It returns the thread's new updated_at.
// Commit and a reconciling StartRun both write through it.
func (s *Store) queueCheckpoint(b *pgx.Batch, p store.Checkpoint, bodies []string, count int) time.Time {
	if p.TruncateAt >= 0 && p.TruncateAt < count {
		// Truncating the current branch at position $3 marks its rows
		// from the $3-th on (in seq order) as superseded by the run.
		b.Queue(`
			UPDATE messages SET superseded_by = $1
			WHERE thread_id = $2 AND superseded_by = '' AND seq >= (
				SELECT seq FROM messages WHERE thread_id = $2 AND superseded_by = ''
				ORDER BY seq OFFSET $3 LIMIT 1)`,
			p.RunID, p.ThreadID, p.TruncateAt)
		count = p.TruncateAt
	}
	if len(p.Append) > 0 {
		ids := make([]string, len(p.Append))
		roles := make([]string, len(p.Append))
		runIDs := make([]string, len(p.Append))
		for i, m := range p.Append {
			ids[i], roles[i], runIDs[i] = m.ID, m.Role, m.RunID
		}
		// seq numbers a thread's rows in insertion order, after the
		// largest so far (the last entry of the primary key for the
		// thread, whose row is locked); WITH ORDINALITY numbers the batch
		// from 1 in the arrays' order.
		b.Queue(`
			INSERT INTO messages (thread_id, seq, id, role, run_id, body)
			SELECT $1, last.seq + m.n, m.id, m.role, m.run_id, m.body::json
			FROM (SELECT COALESCE(max(seq), -1) AS seq FROM messages WHERE thread_id = $1) AS last,
			     unnest($2::text[], $3::text[], $4::text[], $5::text[])
			     WITH ORDINALITY AS m (id, role, run_id, body, n)`,
			p.ThreadID, ids, roles, runIDs, bodies)
		count += len(p.Append)
	}
	finishing := p.Finish != nil
	var state any // NULL keeps the current state
	if p.State != nil {
		state = string(p.State)
	}
	updated := ts(s.now())
	b.Queue(`
		UPDATE threads SET
			version = version + 1,
			updated_at = $2,
			message_count = $3,
			state = COALESCE($4::json, state),
			lease_run_id = CASE WHEN $5 THEN '' ELSE lease_run_id END,
			lease_until  = CASE WHEN $5 THEN NULL ELSE lease_until END
		WHERE id = $1`,
		p.ThreadID, updated, count, state, finishing)
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
	if u := p.Usage; u != (agentd.Usage{}) {
		// The run's sums, then its user's of today (UTC): that row is
		// locked last, so commits of one user's threads add no lock cycle.
		b.Queue(`
			WITH r AS (
				UPDATE runs SET input_tokens = input_tokens + $2, output_tokens = output_tokens + $3,
					cached_input_tokens = cached_input_tokens + $4
				WHERE id = $1 RETURNING user_id
			)
			INSERT INTO user_usage (user_id, day, input_tokens, output_tokens, cached_input_tokens)
			SELECT user_id, $5, $2, $3, $4 FROM r
			ON CONFLICT (user_id, day) DO UPDATE SET
				input_tokens = user_usage.input_tokens + EXCLUDED.input_tokens,
				output_tokens = user_usage.output_tokens + EXCLUDED.output_tokens,
				cached_input_tokens = user_usage.cached_input_tokens + EXCLUDED.cached_input_tokens`,
			p.RunID, u.InputTokens, u.OutputTokens, u.CachedInputTokens, day(s.now()))
	}
	return updated
}

// day is the user_usage key of t's UTC day: its midnight, sent as a date.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// commitBatch sends b with the COMMIT of t, in one round trip, and returns
// the first error, as a store error where there is one: a message id
// already in the thread is a CodeConflict error, a run id already used
// ErrRunExists.
func commitBatch(ctx context.Context, t *pipeTx, b *pgx.Batch, threadID string) error {
	br, err := t.send(ctx, b, true)
	if err != nil {
		return err
	}
	err = br.Close()
	switch {
	case err == nil:
		return nil
	case isUniqueViolation(err, messagesIDKey):
		return &agentd.Error{
			Code:    agentd.CodeConflict,
			Message: fmt.Sprintf("a message id to append is already in thread %q or twice in the batch", threadID),
			Cause:   err,
		}
	case isUniqueViolation(err, runsPKey):
		return store.ErrRunExists // recorded by a concurrent StartRun since the check
	}
	return fmt.Errorf("write: %w", err)
}

// checkCheckpoint validates p and encodes its messages, before any lock is
// taken.
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
