package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/agentd/agentd"
)

// readBody reads a run request's body within MaxBody bytes and
// BodyTimeout. A body trickling in would hold a goroutine and a connection
// for as long as the client likes, so it is cut: 408.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(s.cfg.BodyTimeout))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	if err == nil {
		// Later reads (net/http watching for a client that leaves while
		// its stream runs) must not time out.
		_ = rc.SetReadDeadline(time.Time{})
		return body, nil
	}
	// The deadline stays: net/http's attempt to drain the rest of the
	// body after the handler ends fails at once instead of waiting for it.
	// And the connection, mid-body, cannot carry another request.
	w.Header().Set("Connection", "close")
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, agentd.Errorf(agentd.CodeTooLarge, "request body exceeds %d bytes, over --max-body", s.cfg.MaxBody)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, agentd.Errorf(agentd.CodeBodyTimeout, "the request body did not arrive within --body-timeout %s", s.cfg.BodyTimeout)
	}
	return nil, agentd.Errorf(agentd.CodeBadJSON, "could not read the request body")
}

// rejoins counts the open GET /runs/{id}/events streams per run and per
// user, so neither one run's audience nor one user can hold streams
// without bound.
type rejoins struct {
	perRun, perUser int // caps; 0 is none

	mu          sync.Mutex
	runs, users map[string]int
}

// rejoinRetry is the Retry-After of a capped rejoin: streams of a live
// run end when it does, and a client's dead streams within two heartbeats.
const rejoinRetry = 5 * time.Second

// acquire takes a stream slot of run and user, or says which cap is
// reached. release gives it back.
func (c *rejoins) acquire(run, user string) (release func(), err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	full := func(who string, limit int, flag string) error {
		return &agentd.Error{Code: agentd.CodeRateLimited, RetryAfter: rejoinRetry, Message: fmt.Sprintf(
			"%s already has %d rejoin streams open, the most --%s %d allows; close one or retry later", who, limit, flag, limit)}
	}
	switch {
	case c.perRun > 0 && c.runs[run] >= c.perRun:
		return nil, full("run "+run, c.perRun, "max-rejoins-per-run")
	case c.perUser > 0 && c.users[user] >= c.perUser:
		return nil, full("user "+strconv.Quote(user), c.perUser, "max-rejoins-per-user")
	}
	if c.runs == nil {
		c.runs, c.users = map[string]int{}, map[string]int{}
	}
	c.runs[run]++
	c.users[user]++
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		decrement(c.runs, run)
		decrement(c.users, user)
	}, nil
}

// decrement lowers m[k], dropping the key at zero so the maps hold only
// open streams.
func decrement(m map[string]int, k string) {
	if m[k]--; m[k] <= 0 {
		delete(m, k)
	}
}
