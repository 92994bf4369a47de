package sqlite_test

import (
	"errors"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/store"
	"github.com/agentd/agentd/store/storetest"
)

// A StartRun waits for the writer only until its WaitUntil: then it is
// refused with store.ErrBusy and writes nothing. The writer is held by a
// start whose Reconcile (which runs inside the writer's transaction)
// blocks.
func TestStartRun_WaitUntilBoundsTheWaitForTheWriter(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	release := storetest.HoldStart(t, s, "held", "t-held")
	now := time.Now()
	_, _, err := s.StartRun(ctx, store.StartRun{RunID: "r", ThreadID: "t", User: agentd.LocalUser, Agent: "a", Now: now, LeaseUntil: now.Add(time.Minute),
		WaitUntil: time.Now().Add(50 * time.Millisecond)})
	if !errors.Is(err, store.ErrBusy) {
		t.Errorf("StartRun past its WaitUntil: %v, want ErrBusy", err)
	}
	release()
	if _, err := s.GetRun(ctx, "r"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetRun of the refused run: %v, want ErrNotFound", err)
	}
	if _, err := s.GetThread(ctx, agentd.LocalUser, "t"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetThread of the refused run's thread: %v, want ErrNotFound", err)
	}
}
