package runs

import (
	"context"
	"time"

	"github.com/agentd/agentd/store"
)

// renewLeases keeps the thread leases of this instance's running runs,
// all of them in one store call every LeaseTTL/3, until the manager stops.
// It also forgets finished runs past their rejoin window, so that an
// instance gone quiet does not keep its last runs' events.
// A run whose lease is lost is cancelled: another run owns its thread now.
// One call for all runs, rather than one per run, keeps renewals from
// queueing behind the turns' writes, and a run from needing a goroutine.
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
		runs := m.leased()
		if len(runs) == 0 {
			continue
		}
		leases := make([]store.Lease, len(runs))
		for i, r := range runs {
			leases[i] = store.Lease{RunID: r.ID, Fence: r.rec.Fence}
		}
		ctx, cancel := context.WithTimeout(m.base, ttl/3)
		lost, err := m.cfg.Store.RenewLeases(ctx, time.Now().Add(ttl), leases)
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
