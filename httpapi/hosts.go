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

// checkHost defeats DNS rebinding while no authentication guards the API:
// a page on evil.example whose name is re-pointed at 127.0.0.1 reaches
// agentd with Host evil.example, so only loopback names and the operator's
// --allowed-hosts are served.
func (s *Server) checkHost(next http.Handler) http.Handler {
	if s.cfg.Authenticated {
		return next
	}
	allowed := make(map[string]bool, len(s.cfg.AllowedHosts))
	for _, h := range s.cfg.AllowedHosts {
		allowed[hostName(h)] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := hostName(r.Host); !allowed[h] && !loopback(h) {
			if _, pattern := s.mux.Handler(r); !probes[pattern] {
				writeError(w, agentd.Errorf(agentd.CodeForbidden,
					"Host %q is not served: without authentication only loopback names and --allowed-hosts are", r.Host))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// hostName is a Host header's name: lower case, without port, brackets or
// a trailing dot.
func hostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
}

func loopback(name string) bool {
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(name)
	return err == nil && ip.Unmap().IsLoopback()
}
