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

// gooseTable records this package's applied migrations. It is not goose's
// default, goose_db_version, which the store uses: the event log and the
// store may share one schema, and each has its own version sequence.
const gooseTable = "agentd_coord_goose_version"

// migrate brings the event log's tables to the latest version with goose,
// over database/sql connections of its own that it closes when done.
// Instances starting together migrate one after the other under a session
// advisory lock keyed by the schema (the first in search_path): the first
// applies the migrations, the next find them applied. goose's own locker
// is not used because goose creates its version table before taking it,
// and concurrent creations would collide.
func migrate(ctx context.Context, cc *pgx.ConnConfig) (err error) {
	dir, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	db := stdlib.OpenDB(*cc)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, dir, goose.WithTableName(gooseTable))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}

	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	const key = `$1::int4, hashtext(COALESCE(current_schema(), ''))`
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+key+`)`, migrateLockClass); err != nil {
		return fmt.Errorf("migrate: take the migration lock: %w", err)
	}
	defer func() {
		var released bool
		uerr := conn.QueryRowContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+key+`)`, migrateLockClass).Scan(&released)
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

// migrateLockClass is the first key of the migration advisory lock, apart
// from the store's ("agnd") so the two migrate independently.
const migrateLockClass = 0x61676576 // "agev"
