package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate brings the schema to the latest version with goose, over
// database/sql connections of its own that it closes when done. Each
// migration runs in its own transaction; goose records applied versions in
// its goose_db_version table, next to agentd's tables.
//
// Instances starting at once migrate one after the other, under a session
// advisory lock held around the whole of goose's Up: the first applies the
// migrations, the next find the schema up to date. The lock is taken here
// rather than through goose's session locker because Up first checks for
// pending migrations, creating goose_db_version if missing, before it
// takes that locker's lock: instances starting together on an empty schema
// would race to create the table and the losers would wait out goose's
// one-second retries. pg_advisory_lock also blocks until the lock is free
// instead of polling, and the lock is keyed by the schema migrated (the
// first in search_path), so several agentd schemas in one database (as in
// tests) migrate in parallel. The wait is bounded by ctx; if the holder's
// connection dies, the server releases its lock.
func migrate(ctx context.Context, cc *pgx.ConnConfig) (err error) {
	dir, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	db := stdlib.OpenDB(*cc)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, dir)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}

	lock, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`, migrateLockClass); err != nil {
		return fmt.Errorf("migrate: take the migration lock: %w", err)
	}
	defer func() {
		var released bool
		uerr := lock.QueryRowContext(context.WithoutCancel(ctx),
			`SELECT pg_advisory_unlock(`+lockKey+`)`, migrateLockClass).Scan(&released)
		if uerr == nil && !released {
			uerr = errors.New("it was not held")
		}
		if uerr != nil && err == nil {
			err = fmt.Errorf("migrate: release the migration lock: %w", uerr)
		}
	}()

	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// migrateLockClass is the first key of the migration advisory lock: an
// arbitrary number that keeps it apart from other applications' locks.
const migrateLockClass = 0x61676e64 // "agnd"

// lockKey is the two keys of the migration lock: the class and the schema.
const lockKey = `$1::int4, hashtext(COALESCE(current_schema(), ''))`
