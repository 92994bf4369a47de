package cli

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/agentd/agentd/auth"
)

// newAuth builds the authenticator the flags describe; nil means none is
// configured (validate has made sure the address is loopback, or the
// operator said --insecure-no-auth). A JWKS refresher runs until ctx ends.
func newAuth(ctx context.Context, c *serveConfig, log *slog.Logger) (*auth.Authenticator, error) {
	if !c.authConfigured() {
		if c.InsecureNoAuth {
			log.Warn("INSECURE: no authentication and --insecure-no-auth: anyone who reaches " + c.Addr +
				" can run agents and read every thread as the user \"local\"; set --api-keys, --jwt-secret or --jwks-url")
		} else {
			log.Info("no authentication configured: listening on loopback only; every caller is the user \"local\"")
		}
		return nil, nil
	}
	var keys []string
	if c.APIKeys != "" {
		var err error
		if keys, err = auth.LoadKeys(c.APIKeys); err != nil {
			return nil, fmt.Errorf("serve: --api-keys: %w", err)
		}
	}
	a, err := auth.New(ctx, auth.Config{Keys: keys, JWTSecret: []byte(c.JWTSecret), JWKSURL: c.JWKSURL,
		Issuer: c.JWTIssuer, Audience: c.JWTAudience, UserClaim: c.JWTUserClaim, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	log.Info("authentication", "service_keys", len(keys), "jwt_hs256", c.JWTSecret != "", "jwks_url", c.JWKSURL,
		"jwt_issuer", c.JWTIssuer, "jwt_audience", c.JWTAudience, "jwt_user_claim", c.JWTUserClaim)
	return a, nil
}
