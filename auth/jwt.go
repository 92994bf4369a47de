package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// leeway absorbs clock skew between agentd and the token issuer.
const leeway = 30 * time.Second

// The algorithms accepted, each bound to one kind of key: HS256 only with
// the shared secret, the others only with a JWKS key of their type, so a
// public key can never be used as an HMAC secret ("none" is never allowed).
const (
	algHS256 = "HS256"
	algRS256 = "RS256"
	algES256 = "ES256"
	algEdDSA = "EdDSA"
)

type verifier struct {
	secret []byte
	jwks   keyfunc.Keyfunc // nil: no JWKS
	claim  string
	parser *jwt.Parser
}

func newVerifier(ctx context.Context, c Config) (*verifier, error) {
	v := &verifier{claim: c.UserClaim}
	if v.claim == "" {
		v.claim = "sub"
	}
	var algs []string
	if len(c.JWTSecret) > 0 {
		if len(c.JWTSecret) < 32 {
			return nil, errors.New("auth: the JWT secret must be at least 32 bytes")
		}
		v.secret = c.JWTSecret
		algs = append(algs, algHS256)
	}
	if c.JWKSURL != "" {
		kf, err := newJWKS(ctx, c)
		if err != nil {
			return nil, err
		}
		v.jwks = kf
		algs = append(algs, algRS256, algES256, algEdDSA)
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods(algs), jwt.WithExpirationRequired(), jwt.WithLeeway(leeway)}
	if c.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(c.Issuer))
	}
	if c.Audience != "" {
		opts = append(opts, jwt.WithAudience(c.Audience))
	}
	v.parser = jwt.NewParser(opts...)
	return v, nil
}

func newJWKS(ctx context.Context, c Config) (keyfunc.Keyfunc, error) {
	u, err := url.Parse(c.JWKSURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname()))) {
		return nil, fmt.Errorf("auth: JWKS URL %q: want https:// (http:// only on a loopback host)", c.JWKSURL)
	}
	refresh, gap := c.JWKSRefresh, c.JWKSUnknownKID
	if refresh <= 0 {
		refresh = 15 * time.Minute
	}
	if gap <= 0 {
		gap = 30 * time.Second
	}
	client := c.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	log := c.Logger
	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{c.JWKSURL}, keyfunc.Override{
		Client:          client,
		HTTPTimeout:     10 * time.Second,
		RefreshInterval: refresh,
		// One refetch per gap for unknown kids; a token that would wait
		// longer than RateLimitWaitMax for its turn is refused at once.
		// (The bound also limits that refetch.)
		RefreshUnknownKID: rate.NewLimiter(rate.Every(gap), 1),
		RateLimitWaitMax:  5 * time.Second,
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(_ context.Context, err error) { log.Warn("JWKS fetch failed", "url", u, "err", err) }
		},
	})
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS: %w", err)
	}
	return kf, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// verify checks a token and returns its user.
func (v *verifier) verify(ctx context.Context, token string) (string, error) {
	t, err := v.parser.Parse(token, v.keyfunc(ctx))
	if err != nil {
		return "", invalid("%s", reason(err))
	}
	claims, _ := t.Claims.(jwt.MapClaims)
	user, _ := claims[v.claim].(string)
	if !ValidUser(user) {
		return "", invalid("the token's %q claim is not a non-empty printable name of at most 128 bytes", v.claim)
	}
	return user, nil
}

// reason is the client-facing cause of a rejected token: its kind, never
// the token.
func reason(err error) string {
	for _, e := range []error{jwt.ErrTokenExpired, jwt.ErrTokenNotValidYet, jwt.ErrTokenInvalidIssuer,
		jwt.ErrTokenInvalidAudience, jwt.ErrTokenRequiredClaimMissing, jwt.ErrTokenMalformed, jwt.ErrTokenSignatureInvalid} {
		if errors.Is(err, e) {
			return "invalid token: " + e.Error()
		}
	}
	if errors.Is(err, jwt.ErrTokenUnverifiable) {
		return "invalid token: unverifiable (unknown key or algorithm)"
	}
	return "invalid token"
}

// keyfunc picks the verification key for a token's algorithm.
func (v *verifier) keyfunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		alg := t.Method.Alg()
		if alg == algHS256 {
			if v.secret == nil {
				return nil, errors.New("HS256 is not accepted")
			}
			return v.secret, nil
		}
		if v.jwks == nil {
			return nil, fmt.Errorf("%s is not accepted", alg)
		}
		key, err := v.jwks.KeyfuncCtx(ctx)(t)
		if err != nil {
			return nil, err
		}
		if set, ok := key.(jwt.VerificationKeySet); ok { // the token has no kid
			var fit jwt.VerificationKeySet
			for _, k := range set.Keys {
				if fits(alg, k) {
					fit.Keys = append(fit.Keys, k)
				}
			}
			return fit, nil
		}
		if !fits(alg, key) {
			return nil, fmt.Errorf("the key is not a %s key", alg)
		}
		return key, nil
	}
}

// fits reports whether key is of the type alg is defined for.
func fits(alg string, key any) bool {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return alg == algRS256
	case *ecdsa.PublicKey:
		return alg == algES256 && k.Curve == elliptic.P256()
	case ed25519.PublicKey:
		return alg == algEdDSA
	}
	return false
}
