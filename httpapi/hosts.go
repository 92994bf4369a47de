package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/agentd/agentd"
)

// probes answer whatever the Host: platforms probe by pod IP or internal
// name, and these routes neither reveal nor change anything.
var probes = map[string]bool{"GET /livez": true, "GET /readyz": true, "GET /health": true, "GET /agents/{name}/health": true}

// pattern is the route the Server's mux serves r with.
func (s *Server) pattern(r *http.Request) string {
	_, p := s.mux.Handler(r)
	return p
}

// checkHost defeats DNS rebinding while no authentication guards the API:
// a page on evil.example whose name is re-pointed at 127.0.0.1 reaches
// agentd with Host evil.example, so only loopback names and the operator's
// --allowed-hosts are served.
func (s *Server) checkHost(next http.Handler) http.Handler {
	if s.cfg.Auth != nil {
		return next
	}
	hosts := newHostPolicy(s.cfg.AllowedHosts, false)
	return hosts.check(next, func(r *http.Request) bool { return probes[s.pattern(r)] })
}

// hostPolicy says which Host headers are served: loopback names, listed
// names and, with anyIP, any IP address (a rebinding page always sends a
// name, so an address is safe where scrapers use pod IPs).
type hostPolicy struct {
	listed map[string]bool
	anyIP  bool
}

func newHostPolicy(list []string, anyIP bool) hostPolicy {
	p := hostPolicy{listed: make(map[string]bool, len(list)), anyIP: anyIP}
	for _, h := range list {
		p.listed[hostName(h)] = true
	}
	return p
}

// check answers 403 to a request whose Host is not served, unless exempt.
func (p hostPolicy) check(next http.Handler, exempt func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.allows(r.Host) && (exempt == nil || !exempt(r)) {
			// Unread, the body must not hold the connection after the answer.
			w.Header().Set("Connection", "close")
			writeError(w, agentd.Errorf(agentd.CodeForbidden,
				"Host %q is not a name this server answers to: use a loopback name or one in --allowed-hosts", r.Host))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (p hostPolicy) allows(host string) bool {
	name := hostName(host)
	if p.listed[name] || name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(name)
	return err == nil && (p.anyIP || ip.Unmap().IsLoopback())
}

// hostName is a Host header's name: lower case, without port, brackets or
// a trailing dot.
func hostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
}
