package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// writeTx runs fn in a write transaction (BEGIN IMMEDIATE on the single
// write connection), which it may share with other callers' work: fn must
// use the context it is given, not its caller's. See writer.
func (s *Store) writeTx(ctx context.Context, op string, fn func(context.Context, *sql.Tx) error) error {
	return s.w.do(ctx, op, false, fn)
}

// readTx runs fn in a read transaction, so that everything fn reads comes
// from one snapshot. Errors are prefixed with "sqlite: op: ".
func (s *Store) readTx(ctx context.Context, op string, fn func(context.Context, *sql.Tx) error) error {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: %s: begin: %w", op, err)
	}
	defer tx.Rollback() // a read has nothing to commit
	if err := fn(ctx, tx); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return nil
}
