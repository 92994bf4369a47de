package httpapi

import (
	"net/http"

	"github.com/agentd/agentd"
)

// checkOrigin refuses cross-site POST and DELETE from browsers (a form
// posted by another site to run, cancel or delete), by the standard
// library's Sec-Fetch-Site / Origin check. Pages on --cors-origins are
// trusted; clients that are not browsers send neither header and pass.
func (s *Server) checkOrigin(next http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	for _, o := range s.cfg.CORSOrigins {
		if err := p.AddTrustedOrigin(o); err != nil {
			s.cfg.Logger.Error("cors origin ignored", "err", err) // cli checks them with CheckOrigins first
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := p.Check(r); err != nil {
			writeError(w, agentd.Errorf(agentd.CodeForbidden,
				"cross-site request refused (%v); a page may call agentd from another origin only when --cors-origins lists it", err))
			return
		}
		next.ServeHTTP(w, r)
	})
}
