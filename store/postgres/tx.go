package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// inTx runs fn in a READ COMMITTED transaction and commits it, or rolls it
// back if fn fails. Writers serialise on the rows they lock (FOR UPDATE),
// so the default isolation level is enough and never fails with a
// serialization error. Errors are prefixed with "postgres: op: ".
func (s *Store) inTx(ctx context.Context, op string, fn func(pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %s: begin: %w", op, err)
	}
	if err := fn(tx); err != nil {
		// When the rollback itself fails (a broken connection, a done
		// ctx), pgx closes the connection, which aborts the transaction
		// on the server; there is nothing more to do.
		tx.Rollback(ctx)
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: %s: commit: %w", op, err)
	}
	return nil
}

// Constraints whose violation the store turns into a store error.
const (
	runsPKey      = "runs_pkey"
	messagesIDKey = "messages_current_id" // unique among the current branch
)

// isUniqueViolation reports whether err is a unique violation of the
// named constraint.
func isUniqueViolation(err error, constraint string) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505" && e.ConstraintName == constraint
}
