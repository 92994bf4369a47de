package runs

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/store"
)

// Every way a run can end maps to a code of the one vocabulary.
func TestClassifyUsesOnlyDefinedCodes(t *testing.T) {
	errs := []error{errCancelled, errInterrupted, errRestarting, errRunTimeout, errLeaseLost,
		llm.ErrFirstTokenTimeout, llm.ErrIdleTimeout, agent.ErrToolTimeout, agent.ErrMaxSteps,
		store.ErrFenced, &storeError{errors.New("x")}, context.DeadlineExceeded, errors.New("other")}
	for _, k := range []llm.ErrorKind{llm.ErrRateLimited, llm.ErrUnavailable, llm.ErrTimeout, llm.ErrBadRequest, llm.ErrAuth, llm.ErrStream} {
		errs = append(errs, &llm.Error{Provider: "p", Kind: k})
	}
	for _, err := range errs {
		if code, _, _ := classify(err); !slices.Contains(agentd.RunErrorCodes, code) {
			t.Errorf("classify(%v) = %q, not in agentd.RunErrorCodes", err, code)
		}
	}
}
