package runs

import "github.com/agentd/agentd"

// StreamError is why a Feed cannot go on for a reason of agentd's, not of
// the run's: the run may still be going, and a client told so (a RUN_ERROR
// with Code) can rejoin.
type StreamError struct {
	Code agentd.RunErrorCode
	Msg  string // safe to show
	Err  error
}

func (e *StreamError) Error() string {
	if e.Err == nil {
		return string(e.Code) + ": " + e.Msg
	}
	return string(e.Code) + ": " + e.Msg + ": " + e.Err.Error()
}

func (e *StreamError) Unwrap() error { return e.Err }
