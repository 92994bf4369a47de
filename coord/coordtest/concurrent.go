package coordtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/coord"
)

// testConcurrentRuns: many runs written at once on one instance, each
// followed by two clients on another instance, as rejoined streams are.
// Every reader must see every frame once, in order, then done.
func testConcurrentRuns(t *testing.T, open Opener) {
	writer, readers := open(t), open(t)
	const (
		runs    = 16
		perRun  = 40
		batch   = 4
		clients = 2
	)
	ctx := testCtx(t)
	var wg sync.WaitGroup
	for range runs {
		id := newRunID(t)
		wg.Go(func() {
			for from := int64(1); from <= perRun; from += batch {
				to := min(from+batch-1, perRun)
				if err := writer.Append(ctx, id, frames(from, to), to == perRun); err != nil {
					t.Errorf("Append(%s, %d..%d): %v", id, from, to, err)
					return
				}
				time.Sleep(5 * time.Millisecond) // the next batch of a live run
			}
		})
		for c := range clients {
			wg.Go(func() {
				if err := follow(ctx, readers, id, perRun); err != nil {
					t.Errorf("client %d of %s: %v", c, id, err)
				}
			})
		}
	}
	wg.Wait()
}

// follow reads a run's log to its end as a rejoined client does, and checks
// it is the test events 1..n.
func follow(ctx context.Context, l coord.EventLog, runID string, n int64) error {
	var after int64
	for {
		fs, done, err := l.Read(ctx, runID, after, 2*time.Second)
		if errors.Is(err, coord.ErrNotFound) && after == 0 {
			// The writer has not stored anything yet.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if err != nil {
			return fmt.Errorf("Read after %d: %w", after, err)
		}
		for _, f := range fs {
			want := frame(after + 1)
			if f.Seq != want.Seq || string(f.Data) != string(want.Data) {
				return fmt.Errorf("after %d got frame {%d %q}, want {%d %q}", after, f.Seq, f.Data, want.Seq, want.Data)
			}
			after++
		}
		if done {
			if after != n {
				return fmt.Errorf("done after %d frames, want %d", after, n)
			}
			return nil
		}
	}
}
