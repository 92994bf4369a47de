package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"

	"github.com/agentd/agentd/internal/pgmigrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// gooseTable records this package's applied migrations. It is not goose's
// default, goose_db_version, which the store uses: the event log and the
// store may share one schema, and each has its own version sequence.
const gooseTable = "agentd_coord_goose_version"

// migrateLockClass keeps the event log's migration lock apart from the
// store's, so the two migrate independently.
const migrateLockClass = 0x61676576 // "agev"

// migrate brings the event log's tables to the latest version.
func migrate(ctx context.Context, cc *pgx.ConnConfig) error {
	dir, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return pgmigrate.Up(ctx, cc, dir, gooseTable, migrateLockClass)
}
