package loadgen

import (
	"net"
	"net/http"
	"time"
)

// newClient keeps one idle connection per user, so steady load reuses
// connections instead of measuring TCP handshakes, and never follows a
// redirect, so only the configured targets are contacted.
func newClient(users int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:          users + 16,
			MaxIdleConnsPerHost:   users + 16,
			IdleConnTimeout:       90 * time.Second,
			DisableCompression:    true,
			ResponseHeaderTimeout: 0, // the per-turn timeout covers it
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
