package runs

import (
	"errors"
	"fmt"
	"testing"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/store"
)

// A store that sheds new work makes a fast, explicit 503 with Retry-After,
// not a store failure.
func TestRefusalOfABusyStoreIsOverloaded(t *testing.T) {
	m := &Manager{}
	in := &agui.RunAgentInput{ThreadID: "t", RunID: "r"}
	for _, c := range []struct {
		err  error
		code agentd.Code
	}{
		{fmt.Errorf("sqlite: start run r: 1000 writes queued: %w", store.ErrBusy), agentd.CodeOverloaded},
		{fmt.Errorf("wrapped: %w", store.ErrThreadBusy), agentd.CodeConflict},
		{errors.New("disk I/O error"), agentd.CodeUnavailable},
	} {
		var e *agentd.Error
		if !errors.As(m.refusal(in, c.err), &e) || e.Code != c.code || e.RetryAfter <= 0 {
			t.Errorf("refusal(%v) = %+v, want code %s with Retry-After", c.err, e, c.code)
		}
	}
}
