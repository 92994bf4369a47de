package loadgen

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strconv"
	"time"
)

// Longest pause a Retry-After may ask for, and the pause without one.
const (
	maxRetryAfter     = 10 * time.Second
	defaultRetryAfter = time.Second
)

// streamOnly names the RUN_ERROR codes with which agentd ends a stream,
// not the run (sent without an id): the client rejoins to get the rest.
func streamOnly(code string) bool {
	return code == "stream_error" || code == "event_log_unavailable"
}

// neverSent reports whether a request failed before a connection was
// made, so the server cannot have seen it.
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// retryAfter is the pause a refusal asks for, in whole seconds, capped.
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return defaultRetryAfter
	}
	return min(time.Duration(n)*time.Second, maxRetryAfter)
}

// backoff is the pause before the k-th (from 1) retry or rejoin after a
// broken connection: 250 ms, doubling, at most 2 s.
func backoff(k int) time.Duration {
	return min(250*time.Millisecond<<min(k-1, 4), 2*time.Second)
}

// pause sleeps d unless ctx ends first; it reports whether to go on.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// resolve puts path on target's host (a target may be POST / or an
// /agents/{name} URL; rejoins and threads are at the root).
func resolve(target, path string) string {
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	u.Path, u.RawPath, u.RawQuery = path, "", ""
	return u.String()
}

// parseID reads an SSE id: agentd numbers a run's events from 1.
func parseID(v string) (int64, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil && n > 0
}
