package runs

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/agentd/agentd"
)

// quota enforces Config.UserTokensPerDay. The day's usage is read from the
// store, so every instance sees what the others committed: one
// primary-key read per run start. A refusal is remembered until the UTC day
// ends (a day's usage only grows), so a client retrying in a loop costs no
// reads; an allowance is never cached, so no instance lets a user start
// runs on a stale count.
type quota struct {
	limit int64
	mu    sync.Mutex
	over  map[string]time.Time // users refused, until when
}

func newQuota(limit int64) *quota { return &quota{limit: limit, over: map[string]time.Time{}} }

// checkQuota refuses a run for user when the user's runs already used the
// day's budget. A run that starts under it may cross it: it finishes.
func (m *Manager) checkQuota(ctx context.Context, user string) error {
	q := m.quota
	if q.limit <= 0 {
		return nil
	}
	now := time.Now()
	end := nextUTCDay(now)
	q.mu.Lock()
	until, known := q.over[user]
	q.mu.Unlock()
	if !known || !now.Before(until) {
		used, err := m.cfg.Store.UserUsage(ctx, user, now)
		if err != nil {
			return storeUnavailable(err)
		}
		if used.Total() < q.limit {
			return nil
		}
		q.mu.Lock()
		for u, t := range q.over {
			if !now.Before(t) {
				delete(q.over, u) // yesterday's refusals
			}
		}
		q.over[user] = end
		q.mu.Unlock()
	}
	return &agentd.Error{Code: agentd.CodeTokenQuota, RetryAfter: end.Sub(now),
		Message: fmt.Sprintf("this user has used today's token budget (%d tokens, --user-tokens-per-day); it renews at 00:00 UTC", q.limit)}
}

// nextUTCDay is the midnight (UTC) after t.
func nextUTCDay(t time.Time) time.Time {
	y, mo, d := t.UTC().Date()
	return time.Date(y, mo, d+1, 0, 0, 0, 0, time.UTC)
}
