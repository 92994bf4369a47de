package llm

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HTTPClient is the client providers use when given none: one transport
// for the process, keeping up to 1,024 idle connections per model host.
// http.DefaultTransport keeps 2, so with hundreds of streams to one host
// nearly every turn dialled (and, to a hosted model, TLS-handshook) a new
// connection and left the old one in TIME_WAIT. It has no Timeout: a
// stream lasts as long as its turn, bounded by the caller's context.
var HTTPClient = sync.OnceValue(func() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 0 // no limit across hosts; the per-host one applies
	t.MaxIdleConnsPerHost = 1024
	return &http.Client{Transport: t}
})

// This file holds what providers speaking HTTP share to report failures
// the same way.

// SeenResponse records the HTTP response a provider's SDK received, so that
// a failure is classified by its status even when the body was not the
// provider's error object (a proxy's HTML page, plain text from a
// compatible server).
type SeenResponse struct {
	Got    bool // a response arrived
	Status int
	Header http.Header
}

// Record is an SDK middleware (the SDKs' option.WithMiddleware) filling r.
func (r *SeenResponse) Record(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	res, err := next(req)
	if res != nil {
		r.Got, r.Status, r.Header = true, res.StatusCode, res.Header
	}
	return res, err
}

// HTTPError is the *Error for a failure status: its kind by KindForStatus,
// the wait the server asked for, and msg, the server's message (already
// free of secrets; may be empty).
func HTTPError(provider string, status int, retryAfter time.Duration, msg string) *Error {
	text := fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	if msg != "" {
		text += ": " + msg
	}
	return &Error{Provider: provider, Kind: KindForStatus(status), Status: status,
		RetryAfter: retryAfter, Err: errors.New(text)}
}

// SendError is the *Error for a request that got no response: a timeout,
// or else unavailable (refused, reset, DNS).
func SendError(provider string, err error) *Error {
	kind := ErrUnavailable
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		kind = ErrTimeout
	}
	return &Error{Provider: provider, Kind: kind, Err: fmt.Errorf("sending the request: %w", err)}
}

// Redact removes secret (an API key) from s, text from a server that may
// echo it.
func Redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "[redacted]")
}

// RetryAfter reads the standard Retry-After header, in seconds or as an
// HTTP date, relative to now. 0 means no usable answer.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s > 0 && s < math.MaxInt64/int64(time.Second) {
			return time.Duration(s) * time.Second
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
