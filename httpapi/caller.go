package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/agentd/agentd"
)

// rateKey names who sent a request, for rate limits: the verified user when
// authentication established one (hashed, so a key stays short and holds no
// name), else the client IP. No unchecked header is ever believed here;
// X-Forwarded-For only from trusted proxies.
func (s *Server) rateKey(r *http.Request) string {
	if c, ok := agentd.CallerFrom(r.Context()); ok && c.Authenticated() {
		sum := sha256.Sum256([]byte(c.User))
		return "user:" + hex.EncodeToString(sum[:16])
	}
	return "ip:" + s.clientIP(r).String()
}

// clientIP walks X-Forwarded-For from the right while the hop is a trusted
// proxy; the first untrusted address is the client.
func (s *Server) clientIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.IPv4Unspecified()
	}
	ip = ip.Unmap()
	if !s.trusted(ip) {
		return ip
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		ip = hop.Unmap()
		if !s.trusted(ip) {
			break
		}
	}
	return ip
}

func (s *Server) trusted(ip netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
