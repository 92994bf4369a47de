package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pipeTx is a transaction whose BEGIN travels with its first batch and
// whose COMMIT with its last: a transaction that reads (and locks) in one
// batch and writes in the next costs two round trips instead of four. A
// turn's StartRun and Commit are such transactions.
//
// The COMMIT may only go with a batch whose every reason to abort is an
// error of one of its statements: after an error the server skips the rest
// of the batch, the COMMIT included, and the transaction is rolled back.
// Checks the client makes on what it reads belong in an earlier batch.
type pipeTx struct {
	conn  *pgx.Conn
	begun bool
}

// inPipe runs fn in a pipelined transaction on a pooled connection, at
// the server's default isolation (READ COMMITTED) like inTx. fn must send
// its last batch with
// commit set; if fn fails, or did not commit, the transaction is rolled
// back. Errors are prefixed with "postgres: op: ".
func (s *Store) inPipe(ctx context.Context, op string, fn func(*pipeTx) error) error {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	// Release destroys a connection still in a transaction, which the
	// server then rolls back: the last resort if the ROLLBACK below fails.
	defer c.Release()
	return pipeOn(ctx, op, c.Conn(), fn)
}

// pipeOn is inPipe on a connection the caller holds.
func pipeOn(ctx context.Context, op string, conn *pgx.Conn, fn func(*pipeTx) error) error {
	t := &pipeTx{conn: conn}
	err := fn(t)
	if err == nil && t.conn.PgConn().TxStatus() != 'I' {
		err = errors.New("transaction left open") // a bug: fn never committed
	}
	if err != nil {
		if t.conn.PgConn().TxStatus() != 'I' {
			t.conn.Exec(ctx, "ROLLBACK")
		}
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	return nil
}

// send sends b in one round trip, after BEGIN if it is the transaction's
// first batch (the BEGIN's result is read here), and followed by COMMIT if
// commit is set (its result is read by Close, which reports a failed
// COMMIT). The caller reads b's results in order and must Close them.
func (t *pipeTx) send(ctx context.Context, b *pgx.Batch, commit bool) (pgx.BatchResults, error) {
	first := !t.begun
	if first {
		b.QueuedQueries = append([]*pgx.QueuedQuery{{SQL: "BEGIN"}}, b.QueuedQueries...)
		t.begun = true
	}
	if commit {
		b.Queue("COMMIT").Exec(func(tag pgconn.CommandTag) error {
			if tag.String() == "ROLLBACK" { // the transaction had failed
				return pgx.ErrTxCommitRollback
			}
			return nil
		})
	}
	br := t.conn.SendBatch(ctx, b)
	if first {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, fmt.Errorf("begin: %w", err)
		}
	}
	return br, nil
}
