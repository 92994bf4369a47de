package httpapi

import (
	"errors"
	"net/http"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/auth"
)

// authenticate puts the request's verified caller in its context, or
// answers 401. Probes and the chat page itself (which then asks for a key;
// its API calls are checked) need no credentials. Without an Authenticator
// every caller is the local user, unless a handler wrapping the Server (a
// program embedding it that authenticates by itself) has put one there.
func (s *Server) authenticate(next http.Handler) http.Handler {
	if s.cfg.Auth == nil {
		local := agentd.Caller{User: agentd.LocalUser, Via: "none"}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := agentd.CallerFrom(r.Context()); !ok {
				r = r.WithContext(agentd.WithCaller(r.Context(), local))
			}
			next.ServeHTTP(w, r)
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// "GET /{$}" is registered only when the page is served.
		if p := s.pattern(r); probes[p] || p == "GET /{$}" {
			next.ServeHTTP(w, r)
			return
		}
		c, err := s.cfg.Auth.Authenticate(r)
		if err != nil {
			challenge := `Bearer realm="agentd"`
			if errors.Is(err, auth.ErrInvalidToken) {
				challenge += `, error="invalid_token"`
			}
			w.Header().Set("WWW-Authenticate", challenge)
			s.cfg.Logger.Debug("unauthenticated", "method", r.Method, "path", r.URL.Path, "err", err)
			writeError(w, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(agentd.WithCaller(r.Context(), c)))
	})
}
