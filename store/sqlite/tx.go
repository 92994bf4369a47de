package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// inTx runs fn in a transaction on db and commits it, or rolls it back if
// fn fails. Errors are prefixed with "sqlite: op: ".
func inTx(ctx context.Context, db *sql.DB, op string, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: %s: begin: %w", op, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: %s: commit: %w", op, err)
	}
	return nil
}

// write runs fn in a write transaction (BEGIN IMMEDIATE on the single
// write connection).
func (s *Store) writeTx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	return inTx(ctx, s.write, op, fn)
}

// readTx runs fn in a read transaction, so that everything fn reads comes
// from one snapshot.
func (s *Store) readTx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	return inTx(ctx, s.read, op, fn)
}
