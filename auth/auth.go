package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/agentd/agentd"
)

// Config says which credentials are accepted. At least one of Keys,
// JWTSecret and JWKSURL must be set.
type Config struct {
	// Keys are the service keys (see LoadKeys).
	Keys []string
	// JWTSecret verifies HS256 tokens; at least 32 bytes (RFC 7518 §3.2).
	JWTSecret []byte
	// JWKSURL serves the public keys of RS256, ES256 and EdDSA tokens:
	// https, or http on a loopback host.
	JWKSURL string
	// Issuer and Audience, when set, must match the token's iss and aud.
	Issuer   string
	Audience string
	// UserClaim is the claim naming the user; "" means "sub".
	UserClaim string

	// JWKSRefresh is how often the key set is refetched (0: 15m).
	JWKSRefresh time.Duration
	// JWKSUnknownKID is the least gap between refetches caused by a token
	// whose kid is not in the cached set (0: 30s), so a flood of forged
	// kids cannot make agentd hammer the key server.
	JWKSUnknownKID time.Duration
	// HTTPClient fetches the key set (nil: a client with a 10s timeout).
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Errors in the chain of every refusal, for the HTTP layer to tell a
// missing credential from a rejected one.
var (
	ErrNoCredentials = errors.New("no credentials")
	ErrInvalidToken  = errors.New("invalid credentials")
)

// Authenticator verifies requests' credentials.
type Authenticator struct {
	keys keySet
	jwt  *verifier // nil: no JWT accepted
}

// New builds an Authenticator. With a JWKS URL it fetches the key set
// once (a failure is logged, not fatal: the next token retries) and keeps
// it fresh in a goroutine that ends with ctx.
func New(ctx context.Context, c Config) (*Authenticator, error) {
	if len(c.Keys) == 0 && len(c.JWTSecret) == 0 && c.JWKSURL == "" {
		return nil, errors.New("auth: no service keys, JWT secret or JWKS URL")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	keys, err := newKeySet(c.Keys)
	if err != nil {
		return nil, err
	}
	a := &Authenticator{keys: keys}
	if len(c.JWTSecret) > 0 || c.JWKSURL != "" {
		if a.jwt, err = newVerifier(ctx, c); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Authenticate returns the verified caller of r. A service key is read from
// X-API-Key or a Bearer Authorization; a Bearer value that is no service key
// is tried as a JWT.
func (a *Authenticator) Authenticate(r *http.Request) (agentd.Caller, error) {
	cred, bearer := credential(r)
	switch {
	case cred == "" && !bearer && r.Header.Get("Authorization") != "":
		return agentd.Caller{}, invalid("the Authorization scheme must be Bearer")
	case cred == "":
		return agentd.Caller{}, refusal(ErrNoCredentials, "authentication required: send Authorization: Bearer <key or token> or X-API-Key")
	case a.keys.has(cred):
		user := agentd.ServiceUser
		if v, ok := r.Header[http.CanonicalHeaderKey(UserHeader)]; ok {
			if len(v) != 1 || !ValidUser(v[0]) {
				return agentd.Caller{}, refusal(errBadUser, UserHeader+" must be one non-empty printable name of at most 128 bytes")
			}
			user = v[0]
		}
		return agentd.Caller{User: user, Via: "key"}, nil
	case bearer && a.jwt != nil:
		user, err := a.jwt.verify(r.Context(), cred)
		if err != nil {
			return agentd.Caller{}, err
		}
		return agentd.Caller{User: user, Via: "jwt"}, nil
	}
	return agentd.Caller{}, refusal(ErrInvalidToken, "the credential is not a valid key or token")
}

// UserHeader names the end user a service key acts for.
const UserHeader = "X-Agentd-User"

var errBadUser = errors.New("bad " + UserHeader)

// credential returns the presented key or token and whether it came as a
// Bearer Authorization. X-API-Key wins when both are sent.
func credential(r *http.Request) (string, bool) {
	if k := strings.TrimSpace(r.Header.Get("X-API-Key")); k != "" {
		return k, false
	}
	scheme, v, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if strings.EqualFold(scheme, "bearer") {
		return strings.TrimSpace(v), true
	}
	return "", false
}

// ValidUser reports whether name can be a user: non-empty, at most 128
// bytes of valid UTF-8, every character printable (no control characters;
// the only space allowed is U+0020).
func ValidUser(name string) bool {
	if name == "" || len(name) > 128 {
		return false
	}
	return utf8.ValidString(name) && strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) < 0
}

// refusal is the client-facing error of a failed authentication; cause stays
// in the chain for errors.Is and the operator's log (it never holds the
// credential).
func refusal(cause error, msg string) *agentd.Error {
	return &agentd.Error{Code: agentd.CodeUnauthenticated, Message: msg, Cause: cause}
}

func invalid(format string, args ...any) *agentd.Error {
	return refusal(fmt.Errorf("%w: %s", ErrInvalidToken, fmt.Sprintf(format, args...)), fmt.Sprintf(format, args...))
}
