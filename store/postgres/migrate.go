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

// migrateLockClass is the first key of the migration advisory lock: an
// arbitrary number that keeps it apart from other applications' locks.
const migrateLockClass = 0x61676e64 // "agnd"

// migrate brings the schema to the latest version with goose, which records
// applied versions in its goose_db_version table next to agentd's tables.
// Each migration runs in its own transaction.
func migrate(ctx context.Context, cc *pgx.ConnConfig) error {
	dir, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return pgmigrate.Up(ctx, cc, dir, "", migrateLockClass)
}
