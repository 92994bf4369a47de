package runs

import (
	"time"

	"github.com/agentd/agentd/coord"
)

// earlyCancelTTL is how long a cancel for a run this instance does not
// know yet is kept, for a run whose start is being recorded as it comes.
const earlyCancelTTL = 5 * time.Second

// listen stops the runs of this instance that any instance signals, until
// the manager stops; it is started by New when Config.Signals is set.
func (m *Manager) listen() {
	for m.base.Err() == nil {
		err := m.cfg.Signals.Listen(m.base, m.onSignal)
		if err == nil || m.base.Err() != nil {
			return
		}
		m.cfg.Logger.Warn("listening for run signals failed; retrying", "err", err)
		select {
		case <-m.base.Done():
		case <-time.After(time.Second):
		}
	}
}

// onSignal acts on one signal: most name runs of other instances and are
// ignored. It must not block.
func (m *Manager) onSignal(sig coord.Signal) {
	switch sig.Kind {
	case coord.SignalCancel:
		m.mu.Lock()
		r, ok := m.runs[sig.RunID]
		if !ok {
			m.noteEarlyCancelLocked(sig.RunID, time.Now())
		}
		m.mu.Unlock()
		if ok {
			r.cancel(errCancelled)
		}
	case coord.SignalInterrupt:
		if r := m.running(sig.ThreadID); r != nil && r.ID != sig.Keep {
			r.cancel(errInterrupted)
		}
	}
}

// noteEarlyCancelLocked remembers a cancel for a run this instance may be
// about to track: the store shows a run as running as soon as StartRun
// commits, a moment before its instance tracks it. Every instance hears
// every cancel, so entries are dropped after earlyCancelTTL.
func (m *Manager) noteEarlyCancelLocked(runID string, now time.Time) {
	for id, until := range m.early {
		if now.After(until) {
			delete(m.early, id)
		}
	}
	m.early[runID] = now.Add(earlyCancelTTL)
}

// cancelledEarlyLocked reports (once) whether a cancel for runID came
// before the run was tracked.
func (m *Manager) cancelledEarlyLocked(runID string, now time.Time) bool {
	until, ok := m.early[runID]
	delete(m.early, runID)
	return ok && !now.After(until)
}
