package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/agentd/agentd/coord"
)

// errAlreadySealed rolls back a Seal that has nothing to do.
var errAlreadySealed = errors.New("already sealed")

// Append implements coord.EventLog. Frames already stored (a retried batch)
// are skipped; the first new one must follow the last stored.
func (e *EventLog) Append(ctx context.Context, runID string, frames []coord.Frame, done bool) error {
	if err := checkBatch(frames); err != nil {
		return fmt.Errorf("postgres: append to run %s: %w", runID, err)
	}
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		sealed, last, err := e.lockLog(ctx, tx, runID)
		if err != nil {
			return err
		}
		if sealed {
			return coord.ErrSealed
		}
		i := 0
		for i < len(frames) && frames[i].Seq <= last {
			i++
		}
		fresh := frames[i:]
		if len(fresh) > 0 && fresh[0].Seq != last+1 {
			return fmt.Errorf("frame %d does not follow the last stored, %d", fresh[0].Seq, last)
		}
		if len(fresh) == 0 && !done {
			return nil // the log exists and its expiry moved: nothing else
		}
		b := &pgx.Batch{}
		if len(fresh) > 0 {
			seqs := make([]int64, len(fresh))
			data := make([][]byte, len(fresh))
			for j, f := range fresh {
				seqs[j], data[j] = f.Seq, f.Data
			}
			b.Queue(`INSERT INTO run_events (run_id, seq, data)
				SELECT $1, s, d FROM unnest($2::bigint[], $3::bytea[]) AS f(s, d)`, runID, seqs, data)
			last = fresh[len(fresh)-1].Seq
		}
		b.Queue(`UPDATE run_logs SET last_seq = $2, sealed = $3 WHERE run_id = $1`, runID, last, done)
		b.Queue(`SELECT pg_notify($1, $2)`, channel, runID) // sent at commit
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("postgres: append to run %s: %w", runID, err)
	}
	return nil
}

// Seal implements coord.EventLog.
func (e *EventLog) Seal(ctx context.Context, runID string, data []byte) error {
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		sealed, last, err := e.lockLog(ctx, tx, runID)
		if err != nil {
			return err
		}
		if sealed {
			return errAlreadySealed
		}
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO run_events (run_id, seq, data) VALUES ($1, $2, $3)`, runID, last+1, data)
		b.Queue(`UPDATE run_logs SET last_seq = $2, sealed = true WHERE run_id = $1`, runID, last+1)
		b.Queue(`SELECT pg_notify($1, $2)`, channel, runID)
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil && !errors.Is(err, errAlreadySealed) {
		return fmt.Errorf("postgres: seal run %s: %w", runID, err)
	}
	return nil
}

// lockLog creates the log of runID if missing, moves its expiry to TTL from
// now and locks its row until tx ends, so writers of one run take turns
// and a seal cannot slip between another writer's check and its write.
func (e *EventLog) lockLog(ctx context.Context, tx pgx.Tx, runID string) (sealed bool, last int64, err error) {
	err = tx.QueryRow(ctx, `
		INSERT INTO run_logs (run_id, expires_at) VALUES ($1, $2)
		ON CONFLICT (run_id) DO UPDATE SET expires_at = EXCLUDED.expires_at
		RETURNING sealed, last_seq`, runID, e.now().Add(e.ttl)).Scan(&sealed, &last)
	if err != nil {
		return false, 0, fmt.Errorf("lock the log: %w", err)
	}
	return sealed, last, nil
}

// checkBatch refuses frames that are not contiguous and ascending from 1
// or more: the log could not hold them without a gap.
func checkBatch(frames []coord.Frame) error {
	for i, f := range frames {
		if f.Seq < 1 {
			return fmt.Errorf("frame seq %d: sequence numbers start at 1", f.Seq)
		}
		if i > 0 && f.Seq != frames[i-1].Seq+1 {
			return fmt.Errorf("frame seq %d follows %d: frames must be contiguous and ascending", f.Seq, frames[i-1].Seq)
		}
	}
	return nil
}
