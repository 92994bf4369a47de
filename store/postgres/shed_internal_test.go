package postgres

import (
	"errors"
	"testing"
	"time"

	"github.com/agentd/agentd/store"
)

// A new run that would wait for a place past its bound, by how long runs
// have lately held their places, is refused at once, not at its bound;
// one that would not waits.
func TestStartGate_RefusesAtOnceAWaitItForesees(t *testing.T) {
	s := &Store{starts: newStartGate(2, 10, time.Minute)} // one slot
	s.starts.slots <- struct{}{}                          // taken
	for range 20 {
		s.starts.held(time.Hour) // starts lately held their place an hour
	}
	began := time.Now()
	_, _, err := s.acquireStart(t.Context(), "start run r", time.Time{})
	if !errors.Is(err, store.ErrBusy) {
		t.Fatalf("acquireStart with an hour to wait: %v, want ErrBusy", err)
	}
	if time.Since(began) > 30*time.Second {
		t.Fatalf("refused after %v, not at once", time.Since(began))
	}
	if n := s.starts.waiting.Load(); n != 0 {
		t.Errorf("%d left waiting after the refusal", n)
	}
}
