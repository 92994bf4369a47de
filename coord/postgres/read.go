package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/agentd/agentd/coord"
)

// readLimit bounds the frames one Read returns, so a client rejoining a
// long run pages through its log rather than loading it at once.
const readLimit = 1000

// Read implements coord.EventLog.
func (e *EventLog) Read(ctx context.Context, runID string, after int64, wait time.Duration) ([]coord.Frame, bool, error) {
	after = max(after, 0)
	deadline := time.Now().Add(wait)
	for {
		woken, release := e.listen.wait(runID)
		frames, done, found, err := e.readNow(ctx, runID, after)
		left := time.Until(deadline)
		switch {
		case err != nil:
			release()
			return nil, false, fmt.Errorf("postgres: read run %s: %w", runID, err)
		case !found:
			release()
			return nil, false, coord.ErrNotFound
		case len(frames) > 0 || done || left <= 0:
			release()
			return frames, done, nil
		}
		timer := time.NewTimer(min(left, e.poll))
		select {
		case <-woken:
		case <-timer.C:
		case <-ctx.Done():
		}
		timer.Stop()
		release()
		if err := ctx.Err(); err != nil {
			return nil, false, fmt.Errorf("postgres: read run %s: %w", runID, err)
		}
	}
}

// readNow returns the frames after after and whether the log is sealed
// with nothing beyond them, in one statement, hence one snapshot.
func (e *EventLog) readNow(ctx context.Context, runID string, after int64) (frames []coord.Frame, done, found bool, err error) {
	rows, err := e.pool.Query(ctx, `
		SELECT l.sealed, l.last_seq, e.seq, e.data
		FROM run_logs l
		LEFT JOIN LATERAL (
			SELECT seq, data FROM run_events
			WHERE run_id = l.run_id AND seq > $2
			ORDER BY seq LIMIT $3
		) e ON true
		WHERE l.run_id = $1
		ORDER BY e.seq`, runID, after, readLimit)
	if err != nil {
		return nil, false, false, err
	}
	defer rows.Close()
	var (
		sealed bool
		last   int64
	)
	for rows.Next() {
		var (
			seq  *int64
			data []byte
		)
		if err := rows.Scan(&sealed, &last, &seq, &data); err != nil {
			return nil, false, false, err
		}
		found = true
		if seq != nil {
			frames = append(frames, coord.Frame{Seq: *seq, Data: data})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, false, err
	}
	done = sealed && (len(frames) == 0 || frames[len(frames)-1].Seq == last)
	return frames, done, found, nil
}
