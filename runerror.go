package agentd

// RunErrorCode is the code a RUN_ERROR event carries, and that a run that
// ended badly is stored with. The README's table of codes lists exactly
// these (a test checks it), so a client can rely on the vocabulary.
type RunErrorCode string

const (
	// Deadlines.
	RunErrFirstTokenTimeout RunErrorCode = "first_token_timeout"
	RunErrIdleTimeout       RunErrorCode = "idle_timeout"
	RunErrRunTimeout        RunErrorCode = "run_timeout"
	RunErrToolTimeout       RunErrorCode = "tool_timeout"
	RunErrTimeout           RunErrorCode = "timeout" // another time limit

	// The model provider failed, after retries where they make sense.
	RunErrModelRateLimited RunErrorCode = "model_rate_limited"
	RunErrModelUnavailable RunErrorCode = "model_unavailable"
	RunErrModelTimeout     RunErrorCode = "model_timeout"
	RunErrModelBadRequest  RunErrorCode = "model_bad_request"
	RunErrModelAuth        RunErrorCode = "model_auth"
	RunErrModelStream      RunErrorCode = "model_stream"

	RunErrMaxSteps RunErrorCode = "max_steps"

	// Stopped on purpose.
	RunErrCancelled   RunErrorCode = "cancelled"
	RunErrInterrupted RunErrorCode = "interrupted"

	// The instance running it stopped or lost the thread.
	RunErrServerRestarting RunErrorCode = "server_restarting"
	RunErrServerRestarted  RunErrorCode = "server_restarted"
	RunErrInstanceLost     RunErrorCode = "instance_lost"
	RunErrLeaseLost        RunErrorCode = "lease_lost"
	RunErrLeaseExpired     RunErrorCode = "lease_expired"

	RunErrStore    RunErrorCode = "store_error"
	RunErrInternal RunErrorCode = "internal"

	// A stream stopped for agentd's own reason, not the run's: the run may
	// go on, and the client can rejoin it. Such a RUN_ERROR carries no id.
	RunErrEventLogUnavailable RunErrorCode = "event_log_unavailable"
	RunErrStream              RunErrorCode = "stream_error"
)

// RunErrorCodes lists every code, in the README table's order.
var RunErrorCodes = []RunErrorCode{
	RunErrFirstTokenTimeout, RunErrIdleTimeout, RunErrRunTimeout, RunErrToolTimeout, RunErrTimeout,
	RunErrModelRateLimited, RunErrModelUnavailable, RunErrModelTimeout, RunErrModelBadRequest, RunErrModelAuth, RunErrModelStream,
	RunErrMaxSteps,
	RunErrCancelled, RunErrInterrupted,
	RunErrServerRestarting, RunErrServerRestarted, RunErrInstanceLost, RunErrLeaseLost, RunErrLeaseExpired,
	RunErrStore, RunErrInternal,
	RunErrEventLogUnavailable, RunErrStream,
}
