// Package pgmigrate applies a package's embedded goose migrations to
// PostgreSQL so that instances starting at once do not race.
//
// The lock is a session advisory lock held around the whole of goose's Up,
// taken here rather than through goose's session locker because Up first
// checks for pending migrations, creating its version table if missing,
// before it takes that locker's lock: instances starting together on an
// empty schema would race to create the table and the losers would wait out
// goose's one-second retries. pg_advisory_lock blocks until the lock is free
// instead of polling, and is keyed by the schema migrated (the first in
// search_path), so several schemas in one database (as in tests) migrate in
// parallel. The wait is bounded by ctx; if the holder's connection dies,
// the server releases its lock.
package pgmigrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

// lockKey is the two keys of the migration lock: the class and the schema.
const lockKey = `$1::int4, hashtext(COALESCE(current_schema(), ''))`

// Up applies the migrations in dir over database/sql connections of its
// own, which it closes when done. table names goose's version table (""
// for goose's default); lockClass keeps one package's migration lock apart
// from another's.
func Up(ctx context.Context, cc *pgx.ConnConfig, dir fs.FS, table string, lockClass int32) (err error) {
	db := stdlib.OpenDB(*cc)
	defer db.Close()
	var opts []goose.ProviderOption
	if table != "" {
		opts = append(opts, goose.WithTableName(table))
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, dir, opts...)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	lock, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`, lockClass); err != nil {
		return fmt.Errorf("migrate: take the migration lock: %w", err)
	}
	defer func() {
		var released bool
		uerr := lock.QueryRowContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+lockKey+`)`, lockClass).Scan(&released)
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
