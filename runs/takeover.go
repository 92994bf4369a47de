package runs

import (
	"context"
	"errors"
	"time"

	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/coord"
	"github.com/agentd/agentd/store"
)

const (
	// takeOverWait bounds how long a run on a busy thread waits, under
	// --double-send interrupt, for the running run to stop.
	takeOverWait = 10 * time.Second
	// takeOverPoll is how often it tries the thread again meanwhile.
	takeOverPoll = 100 * time.Millisecond
	// resendEvery repeats an interrupt nobody seems to have heard: signals
	// are lost while an instance reconnects.
	resendEvery = time.Second
)

// takeOver starts in on a thread another run holds, under
// --double-send interrupt: it stops that run (here, or through Signals on
// another instance) and tries the thread again until it is free, for up
// to takeOverWait. It returns the last refusal when the thread stays busy.
func (m *Manager) takeOver(ctx context.Context, ag *agent.Agent, user string, in *agui.RunAgentInput, busy error) (*Run, error) {
	ctx, cancel := context.WithTimeout(ctx, takeOverWait)
	defer cancel()
	var sent time.Time
	for {
		if old := m.running(in.ThreadID); old != nil {
			old.cancel(errInterrupted)
			select {
			case <-old.Wait():
			case <-ctx.Done():
				return nil, busy
			}
		} else if m.cfg.Signals == nil {
			return nil, busy // the holder is not here, and cannot be reached
		} else if time.Since(sent) >= resendEvery {
			sig := coord.Signal{Kind: coord.SignalInterrupt, ThreadID: in.ThreadID, Keep: in.RunID}
			if err := m.cfg.Signals.Send(ctx, sig); err != nil {
				m.cfg.Logger.Warn("interrupt could not be sent", "thread", in.ThreadID, "run", in.RunID, "err", err)
			}
			sent = time.Now()
		}
		if ctx.Err() != nil {
			return nil, busy
		}
		// No StartBy: a take-over waits for the old run, up to takeOverWait.
		r, err := m.begin(ctx, ag, user, in, time.Time{})
		if !errors.Is(err, store.ErrThreadBusy) {
			if err != nil && ctx.Err() != nil {
				return nil, busy // the wait ran out during the attempt
			}
			return r, err
		}
		busy = err
		select {
		case <-ctx.Done():
			return nil, busy
		case <-time.After(takeOverPoll):
		}
	}
}
