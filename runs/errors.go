package runs

import (
	"context"
	"errors"
	"fmt"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/store"
)

// Causes a run's context is cancelled with; each is a RUN_ERROR code.
var (
	errCancelled   = errors.New(string(agentd.RunErrCancelled))
	errRestarting  = errors.New(string(agentd.RunErrServerRestarting))
	errRunTimeout  = errors.New(string(agentd.RunErrRunTimeout))
	errLeaseLost   = errors.New(string(agentd.RunErrLeaseLost))
	errInterrupted = errors.New(string(agentd.RunErrInterrupted))
	errEnded       = errors.New("the run has ended")
)

// classify turns the error that ended a run into its RUN_ERROR code, a
// message safe to show, and the status recorded for the run.
func classify(err error) (code agentd.RunErrorCode, msg string, status agentd.RunStatus) {
	var llmErr *llm.Error
	var se *storeError
	switch {
	case errors.Is(err, errCancelled):
		return agentd.RunErrCancelled, "the run was cancelled", agentd.RunCancelled
	case errors.Is(err, errInterrupted):
		return agentd.RunErrInterrupted, "a newer run on this thread replaced this one", agentd.RunCancelled
	case errors.Is(err, errRestarting):
		return agentd.RunErrServerRestarting, "the server is restarting; send the message again", agentd.RunInterrupted
	case errors.Is(err, errRunTimeout):
		return agentd.RunErrRunTimeout, "the run exceeded its time limit", agentd.RunFailed
	case errors.Is(err, errLeaseLost):
		return agentd.RunErrLeaseLost, "another run took over this thread", agentd.RunInterrupted
	case errors.Is(err, llm.ErrFirstTokenTimeout):
		return agentd.RunErrFirstTokenTimeout, "the model sent no first token within its time limit", agentd.RunFailed
	case errors.Is(err, llm.ErrIdleTimeout):
		return agentd.RunErrIdleTimeout, "the model stream stalled past its idle time limit", agentd.RunFailed
	case errors.Is(err, agent.ErrToolTimeout):
		return agentd.RunErrToolTimeout, "a tool did not answer within its time limit", agentd.RunFailed
	case errors.Is(err, agent.ErrMaxSteps):
		return agentd.RunErrMaxSteps, err.Error(), agentd.RunFailed
	case errors.As(err, &llmErr):
		return agentd.RunErrorCode("model_" + string(llmErr.Kind)), fmt.Sprintf("the model provider failed (%s)", llmErr.Kind), agentd.RunFailed
	case errors.Is(err, store.ErrFenced):
		return agentd.RunErrLeaseLost, "another run took over this thread", agentd.RunInterrupted
	case errors.As(err, &se):
		return agentd.RunErrStore, "the conversation could not be saved; retry", agentd.RunFailed
	case errors.Is(err, context.DeadlineExceeded):
		return agentd.RunErrTimeout, "a time limit was exceeded", agentd.RunFailed
	}
	return agentd.RunErrInternal, "the run failed", agentd.RunFailed
}
