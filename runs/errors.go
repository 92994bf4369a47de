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
	errCancelled   = errors.New("cancelled")
	errRestarting  = errors.New("server_restarting")
	errRunTimeout  = errors.New("run_timeout")
	errLeaseLost   = errors.New("lease_lost")
	errInterrupted = errors.New("interrupted")
	errEnded       = errors.New("the run has ended")
)

// classify turns the error that ended a run into its RUN_ERROR code, a
// message safe to show, and the status recorded for the run.
func classify(err error) (code, msg string, status agentd.RunStatus) {
	var llmErr *llm.Error
	var se *storeError
	switch {
	case errors.Is(err, errCancelled):
		return "cancelled", "the run was cancelled", agentd.RunCancelled
	case errors.Is(err, errInterrupted):
		return "interrupted", "a newer run on this thread replaced this one", agentd.RunCancelled
	case errors.Is(err, errRestarting):
		return "server_restarting", "the server is restarting; send the message again", agentd.RunInterrupted
	case errors.Is(err, errRunTimeout):
		return "run_timeout", "the run exceeded its time limit", agentd.RunFailed
	case errors.Is(err, errLeaseLost):
		return "lease_lost", "another run took over this thread", agentd.RunInterrupted
	case errors.Is(err, llm.ErrFirstTokenTimeout):
		return "first_token_timeout", "the model sent no first token within its time limit", agentd.RunFailed
	case errors.Is(err, llm.ErrIdleTimeout):
		return "idle_timeout", "the model stream stalled past its idle time limit", agentd.RunFailed
	case errors.Is(err, agent.ErrToolTimeout):
		return "tool_timeout", "a tool did not answer within its time limit", agentd.RunFailed
	case errors.Is(err, agent.ErrMaxSteps):
		return "max_steps", err.Error(), agentd.RunFailed
	case errors.As(err, &llmErr):
		return "model_" + string(llmErr.Kind), fmt.Sprintf("the model provider failed (%s)", llmErr.Kind), agentd.RunFailed
	case errors.Is(err, store.ErrFenced):
		return "lease_lost", "another run took over this thread", agentd.RunInterrupted
	case errors.As(err, &se):
		return "store_error", "the conversation could not be saved; retry", agentd.RunFailed
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout", "a time limit was exceeded", agentd.RunFailed
	}
	return "internal", "the run failed", agentd.RunFailed
}
