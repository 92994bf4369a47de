package testenv

import (
	"testing"

	"github.com/agentd/agentd/internal/tcpproxy"
)

// Proxy is a TCP proxy on 127.0.0.1 that a test can cut and restore, to
// take a dependency away from a process without stopping the machine's
// own server.
type Proxy struct {
	Addr string
	p    *tcpproxy.Proxy
}

// NewProxy forwards a new local port to target until the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	p, err := tcpproxy.Listen("127.0.0.1:0", target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return &Proxy{Addr: p.Addr(), p: p}
}

// Cut closes every open connection and refuses new ones.
func (p *Proxy) Cut() { p.p.Cut() }

// Restore lets connections through again.
func (p *Proxy) Restore() { p.p.Restore() }
