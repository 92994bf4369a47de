package runs

import (
	"context"
	"time"

	"github.com/agentd/agentd/store"
)

// renewLeases keeps the thread leases of this instance's running runs
// every LeaseTTL/3, until the manager stops. Each tick also forgets
// finished runs past their rejoin window, so that an instance gone quiet
// does not keep their events.
func (m *Manager) renewLeases() {
	ttl := m.cfg.LeaseTTL
	t := time.NewTicker(ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-m.base.Done():
			return
		case <-t.C:
		}
		m.forgetExpired()
		m.renewAll(m.leased(), time.Now().Add(ttl), ttl/3)
	}
}

// renewBatch bounds the leases renewed in one store call.
const renewBatch = 200

// renewAll renews the leases of runs until until, a batch per store call
// rather than a call per run: renewals do not queue behind the turns'
// writes one by one, and a run needs no goroutine of its own. Batches are
// bounded and sent one after the other, so that a start queued meanwhile
// on a single-writer store waits for one batch, not for thousands of
// renewals. A run whose lease is lost is cancelled: another run owns its
// thread now.
func (m *Manager) renewAll(runs []*Run, until time.Time, timeout time.Duration) {
	for len(runs) > 0 {
		n := min(len(runs), renewBatch)
		leases := make([]store.Lease, n)
		for i, r := range runs[:n] {
			leases[i] = store.Lease{RunID: r.ID, Fence: r.rec.Fence}
		}
		runs = runs[n:]
		ctx, cancel := context.WithTimeout(m.base, timeout)
		lost, err := m.cfg.Store.RenewLeases(ctx, until, leases)
		cancel()
		if err != nil {
			m.cfg.Logger.Warn("lease renewal failed", "runs", len(leases), "err", err)
			continue
		}
		m.loseLeases(lost)
	}
}

func (m *Manager) forgetExpired() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireLocked(time.Now())
}

// leased returns the runs whose agent is running.
func (m *Manager) leased() []*Run {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Run
	for _, r := range m.runs {
		if r.renewing.Load() {
			out = append(out, r)
		}
	}
	return out
}

// loseLeases cancels the runs whose lease was lost, unless they have
// stopped running meanwhile (a run that just finished is no longer held).
func (m *Manager) loseLeases(ids []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		if r, ok := m.runs[id]; ok && r.renewing.Load() {
			m.cfg.Logger.Warn("lease lost", "run", id, "thread", r.ThreadID)
			r.cancel(errLeaseLost)
		}
	}
}
