package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/rs/cors"
)

// corsMaxAge is how long a browser may cache a preflight's answer.
const corsMaxAge = 600

// cors lets pages on the listed origins call the API from the browser;
// with none listed no CORS header is ever sent. No credentials (cookies)
// are allowed: agentd reads keys from headers, which need none.
func (s *Server) cors(next http.Handler) http.Handler {
	if len(s.cfg.CORSOrigins) == 0 {
		return next // rs/cors would allow every origin
	}
	return cors.New(cors.Options{
		AllowedOrigins: s.cfg.CORSOrigins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodDelete},
		AllowedHeaders: []string{"Authorization", "Content-Type", "X-API-Key", "X-Agentd-User", "Last-Event-ID"},
		ExposedHeaders: []string{"Retry-After"},
		MaxAge:         corsMaxAge,
	}).Handler(next)
}

// CheckOrigins validates --cors-origins: each an exact scheme://host[:port]
// origin. "*" and wildcards are refused: listing any origin would also
// trust every site to post runs, cancel them and delete threads.
func CheckOrigins(origins []string) error {
	p := http.NewCrossOriginProtection()
	for _, o := range origins {
		if strings.Contains(o, "*") {
			return errors.New("--cors-origins: wildcards are not allowed; list each origin (https://app.example.com)")
		}
		if err := p.AddTrustedOrigin(o); err != nil {
			return fmt.Errorf("--cors-origins: %w", err)
		}
	}
	return nil
}
