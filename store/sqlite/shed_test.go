package sqlite_test

import (
	"errors"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/store"
)

// A StartRun waits for the writer only until its WaitUntil: then it is
// refused with store.ErrBusy and writes nothing. The writer is held by a
// start whose Reconcile (which runs inside the writer's transaction)
// blocks.
func TestStartRun_WaitUntilBoundsTheWaitForTheWriter(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	now := time.Now()
	in, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		_, _, err := s.StartRun(ctx, store.StartRun{RunID: "held", ThreadID: "t-held", User: agentd.LocalUser, Agent: "a", Now: now, LeaseUntil: now.Add(time.Minute),
			Reconcile: func(agentd.Thread) store.Reconciled {
				close(in)
				<-release
				return store.Reconciled{TruncateAt: -1}
			}})
		held <- err
	}()
	<-in

	_, _, err := s.StartRun(ctx, store.StartRun{RunID: "r", ThreadID: "t", User: agentd.LocalUser, Agent: "a", Now: now, LeaseUntil: now.Add(time.Minute),
		WaitUntil: time.Now().Add(50 * time.Millisecond)})
	if !errors.Is(err, store.ErrBusy) {
		t.Errorf("StartRun past its WaitUntil: %v, want ErrBusy", err)
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatalf("held StartRun: %v", err)
	}
	if _, err := s.GetRun(ctx, "r"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetRun of the refused run: %v, want ErrNotFound", err)
	}
	if _, err := s.GetThread(ctx, agentd.LocalUser, "t"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetThread of the refused run's thread: %v, want ErrNotFound", err)
	}
}
