package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// stmts are the statements of a turn (and of reading a thread or a run),
// prepared once per Store. The driver otherwise parses and plans every
// statement anew, which was a fifth of a turn's CPU. Inside a transaction
// they are bound with tx.StmtContext, which reuses the statement already
// prepared on the transaction's connection: the write pool has one
// connection, and database/sql prepares on each reader once, on first use.
type stmts struct {
	// write pool
	runExists       *sql.Stmt
	threadForLease  *sql.Stmt
	countThreads    *sql.Stmt
	insertThread    *sql.Stmt
	interruptHolder *sql.Stmt
	takeLease       *sql.Stmt
	insertRun       *sql.Stmt
	threadForCommit *sql.Stmt
	supersede       *sql.Stmt
	insertMessage   *sql.Stmt
	updateThread    *sql.Stmt
	finishRun       *sql.Stmt
	renewRun        *sql.Stmt
	renewThread     *sql.Stmt
	writeMessages   *sql.Stmt
	addRunUsage     *sql.Stmt
	addUserUsage    *sql.Stmt

	// read pool
	readThread   *sql.Stmt
	readMessages *sql.Stmt
	readRun      *sql.Stmt
	readUsage    *sql.Stmt

	all []*sql.Stmt // every one above, for Close
}

// threadColumns is the column list scanThreadRow reads, in order.
const threadColumns = `user_id, agent, version, state, created_at, updated_at, message_count`

// messagesSQL reads the message bodies of a thread's current branch, in
// order (see migrations/00003_superseded.sql).
const messagesSQL = `SELECT body FROM messages WHERE thread_id = ? AND superseded_by = '' ORDER BY seq`

// prepare prepares every statement of s.stmt. On failure it closes those
// already prepared.
func (s *Store) prepare(ctx context.Context) error {
	st := &s.stmt
	for _, q := range []struct {
		dst **sql.Stmt
		db  *sql.DB
		sql string
	}{
		{&st.runExists, s.write, `SELECT 1 FROM runs WHERE id = ?`},
		{&st.threadForLease, s.write, `SELECT lease_run_id, lease_until, fence, ` + threadColumns + ` FROM threads WHERE id = ?`},
		// A user's threads, counted up to the cap (threads_by_user).
		{&st.countThreads, s.write, `SELECT count(*) FROM (SELECT 1 FROM threads WHERE user_id = ? LIMIT ?)`},
		{&st.insertThread, s.write, `
			INSERT INTO threads (id, user_id, agent, created_at, updated_at, lease_run_id, lease_until, fence)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1)
			RETURNING fence, ` + threadColumns},
		{&st.interruptHolder, s.write, `
			UPDATE runs SET status = 'interrupted', finished_at = ?, error_code = ?, error_msg = ?
			WHERE id = ? AND status = 'running'`},
		{&st.takeLease, s.write, `UPDATE threads SET lease_run_id = ?, lease_until = ?, fence = ? WHERE id = ?`},
		{&st.insertRun, s.write, `
			INSERT INTO runs (id, thread_id, user_id, agent, status, owner, fence, lease_until, started_at)
			VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?)`},
		{&st.threadForCommit, s.write, `SELECT version, lease_run_id, fence, message_count FROM threads WHERE id = ?`},
		// Truncating the current branch at position ?3 marks its rows
		// from the ?3-th on (in seq order) as superseded by run ?1.
		{&st.supersede, s.write, `
			UPDATE messages SET superseded_by = ?1
			WHERE thread_id = ?2 AND superseded_by = '' AND seq >= (
				SELECT seq FROM messages WHERE thread_id = ?2 AND superseded_by = ''
				ORDER BY seq LIMIT 1 OFFSET ?3)`},
		// seq numbers a thread's rows in insertion order: one more than
		// the last entry of the primary key for the thread, one seek.
		{&st.insertMessage, s.write, `
			INSERT INTO messages (thread_id, seq, id, role, run_id, body)
			VALUES (?1, COALESCE((SELECT seq + 1 FROM messages WHERE thread_id = ?1 ORDER BY seq DESC LIMIT 1), 0),
			        ?2, ?3, ?4, ?5)`},
		{&st.updateThread, s.write, `
			UPDATE threads SET
				version = version + 1,
				updated_at = ?,
				message_count = ?,
				state = COALESCE(?, state),
				lease_run_id = CASE WHEN ? THEN '' ELSE lease_run_id END,
				lease_until  = CASE WHEN ? THEN 0 ELSE lease_until END
			WHERE id = ?`},
		{&st.finishRun, s.write, `
			UPDATE runs SET status = ?, finished_at = ?, error_code = ?, error_msg = ?
			WHERE id = ?`},
		// The thread's lease is renewed only while the run holds it
		// (same run, same fence, still running); then the run's copy.
		{&st.renewThread, s.write, `
			UPDATE threads SET lease_until = ?1
			WHERE id = (SELECT thread_id FROM runs WHERE id = ?2 AND fence = ?3 AND status = 'running')
			  AND lease_run_id = ?2 AND fence = ?3`},
		{&st.renewRun, s.write, `UPDATE runs SET lease_until = ? WHERE id = ?`},
		{&st.writeMessages, s.write, messagesSQL},
		{&st.addRunUsage, s.write, `
			UPDATE runs SET input_tokens = input_tokens + ?, output_tokens = output_tokens + ?,
				cached_input_tokens = cached_input_tokens + ?
			WHERE id = ? RETURNING user_id`},
		{&st.addUserUsage, s.write, `
			INSERT INTO user_usage (user_id, day, input_tokens, output_tokens, cached_input_tokens)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (user_id, day) DO UPDATE SET
				input_tokens = input_tokens + excluded.input_tokens,
				output_tokens = output_tokens + excluded.output_tokens,
				cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens`},
		{&st.readThread, s.read, `SELECT ` + threadColumns + ` FROM threads WHERE id = ? AND user_id = ?`},
		{&st.readMessages, s.read, messagesSQL},
		{&st.readRun, s.read, `SELECT ` + runColumns + ` FROM runs WHERE id = ?`},
		{&st.readUsage, s.read, `
			SELECT input_tokens, output_tokens, cached_input_tokens FROM user_usage WHERE user_id = ? AND day = ?`},
	} {
		stmt, err := q.db.PrepareContext(ctx, q.sql)
		if err != nil {
			s.closeStmts()
			return fmt.Errorf("prepare %q: %w", q.sql, err)
		}
		*q.dst = stmt
		st.all = append(st.all, stmt)
	}
	return nil
}

// closeStmts closes the prepared statements.
func (s *Store) closeStmts() error {
	var errs []error
	for _, stmt := range s.stmt.all {
		errs = append(errs, stmt.Close())
	}
	s.stmt.all = nil
	return errors.Join(errs...)
}
