package postgres

import (
	"context"
	"fmt"
	"time"
)

// Sweep deletes the logs expired at now, their frames with them, and
// returns how many. Any instance may call it, as often as it likes; a log
// written meanwhile is kept, since its write moved its expiry.
func (e *EventLog) Sweep(ctx context.Context, now time.Time) (int64, error) {
	tag, err := e.pool.Exec(ctx, `DELETE FROM run_logs WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, fmt.Errorf("postgres: sweep event logs: %w", err)
	}
	return tag.RowsAffected(), nil
}
