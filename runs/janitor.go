package runs

import (
	"context"
	"encoding/json"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
)

// instanceLostMessage is the message of a RUN_ERROR instance_lost.
const instanceLostMessage = "the server running this run stopped; send the message again"

// Janitor runs until ctx ends. Every period it frees the threads of runs
// whose instance stopped renewing their lease (it died or hung), marks them
// interrupted and ends their shared logs with RUN_ERROR "instance_lost",
// so a client rejoining elsewhere is told instead of waiting. With a
// thread TTL it also deletes threads idle past it.
func (m *Manager) Janitor(ctx context.Context, period, threadTTL time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := m.Recover(ctx, time.Now(), agentd.RunErrInstanceLost, instanceLostMessage); err != nil {
			m.cfg.Logger.Warn("janitor: expired leases", "err", err)
		}
		if threadTTL > 0 {
			n, err := m.cfg.Store.DeleteIdleThreads(ctx, time.Now().Add(-threadTTL))
			if err != nil {
				m.cfg.Logger.Warn("janitor: idle threads", "err", err)
			} else if n > 0 {
				m.cfg.Logger.Info("janitor: idle threads deleted", "count", n, "ttl", threadTTL.String())
			}
		}
	}
}

// Recover interrupts the runs whose lease ended before now and seals
// their shared logs with a RUN_ERROR of the given code. It returns how many
// runs it recovered.
func (m *Manager) Recover(ctx context.Context, now time.Time, code agentd.RunErrorCode, message string) (int, error) {
	lost, err := m.cfg.Store.InterruptExpired(ctx, now, code, message)
	if err != nil {
		return 0, err
	}
	if len(lost) == 0 {
		return 0, nil
	}
	m.cfg.Logger.Warn("runs whose instance stopped were interrupted", "count", len(lost), "code", code)
	if m.cfg.Events == nil {
		return len(lost), nil
	}
	last, err := json.Marshal(&agui.Event{Type: agui.RunError, Timestamp: agui.Now(), Code: string(code), Message: message})
	if err != nil {
		return len(lost), err
	}
	for _, run := range lost {
		if err := m.cfg.Events.Seal(ctx, run.ID, last); err != nil {
			m.cfg.Logger.Warn("janitor: sealing a lost run's log failed", "run", run.ID, "thread", run.ThreadID, "err", err)
		}
	}
	return len(lost), nil
}
