package auth_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/agentd/agentd"
	"github.com/agentd/agentd/auth"
	"github.com/golang-jwt/jwt/v5"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

// claims are a valid token's claims for alice, changed by edits.
func claims(edits ...func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{"sub": "alice", "iss": "https://idp.test", "aud": "agentd",
		"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}
	for _, e := range edits {
		e(c)
	}
	return c
}

func sign(t *testing.T, m jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func bearer(a *auth.Authenticator, token string) (agentd.Caller, error) {
	return call(a, "Authorization", "Bearer "+token)
}

// mustRefuse fails unless the token is refused as an invalid credential.
func mustRefuse(t *testing.T, a *auth.Authenticator, token string) {
	t.Helper()
	c, err := bearer(a, token)
	if err == nil {
		t.Fatalf("accepted as %+v", c)
	}
	if agentd.ErrorCode(err) != agentd.CodeUnauthenticated || !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("refused with %v, want an unauthenticated invalid token", err)
	}
}

func mustAccept(t *testing.T, a *auth.Authenticator, token, user string) {
	t.Helper()
	c, err := bearer(a, token)
	if err != nil || c != (agentd.Caller{User: user, Via: "jwt"}) {
		t.Fatalf("caller %+v, %v; want %s by jwt", c, err, user)
	}
}

func noneToken(c jwt.MapClaims, kid string) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodNone, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, _ := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
	return s
}

func TestHS256(t *testing.T) {
	a := newAuth(t, auth.Config{Keys: []string{key1}, JWTSecret: secret, Issuer: "https://idp.test", Audience: "agentd"})
	mustAccept(t, a, sign(t, jwt.SigningMethodHS256, secret, "", claims()), "alice")
	mustAccept(t, a, sign(t, jwt.SigningMethodHS256, secret, "", claims(func(c jwt.MapClaims) { c["aud"] = []string{"other", "agentd"} })), "alice")
	// A Bearer that is a service key is one, not a token.
	if c, err := bearer(a, key1); err != nil || c.Via != "key" {
		t.Fatalf("service key as bearer: %+v %v", c, err)
	}
	// A token cannot name another user in X-Agentd-User.
	c, err := call(a, "Authorization", "Bearer "+sign(t, jwt.SigningMethodHS256, secret, "", claims()), "X-Agentd-User", "mallory")
	if err != nil || c.User != "alice" {
		t.Fatalf("token with X-Agentd-User: %+v %v", c, err)
	}

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for name, token := range map[string]string{
		"forged signature":     sign(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), "", claims()),
		"alg none":             noneToken(claims(), ""),
		"HS512, not allowed":   sign(t, jwt.SigningMethodHS512, secret, "", claims()),
		"RS256 without JWKS":   sign(t, jwt.SigningMethodRS256, rsaKey, "", claims()),
		"expired":              sign(t, jwt.SigningMethodHS256, secret, "", claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() })),
		"not yet valid":        sign(t, jwt.SigningMethodHS256, secret, "", claims(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() })),
		"no expiry":            sign(t, jwt.SigningMethodHS256, secret, "", claims(func(c jwt.MapClaims) { delete(c, "exp") })),
		"wrong issuer":         sign(t, jwt.SigningMethodHS256, secret, "", claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.test" })),
		"no issuer":            sign(t, jwt.SigningMethodHS256, secret, "", claims(func(c jwt.MapClaims) { delete(c, "iss") })),
		"wrong audience":       sign(t, jwt.SigningMethodHS256, secret, "", claims(func(c jwt.MapClaims) { c["aud"] = "other" })),
		"no subject":           sign(t, jwt.SigningMethodHS256, secret, "", claims(func(c jwt.MapClaims) { delete(c, "sub") })),
		"subject not a string": sign(t, jwt.SigningMethodHS256, secret, "", claims(func(c jwt.MapClaims) { c["sub"] = 42 })),
		"subject with a tab":   sign(t, jwt.SigningMethodHS256, secret, "", claims(func(c jwt.MapClaims) { c["sub"] = "al\tice" })),
		"not a token":          "not.a.token",
	} {
		t.Run(name, func(t *testing.T) { mustRefuse(t, a, token) })
	}
}

func TestUserClaim(t *testing.T) {
	a := newAuth(t, auth.Config{JWTSecret: secret, UserClaim: "email"})
	mustAccept(t, a, sign(t, jwt.SigningMethodHS256, secret, "", claims(func(c jwt.MapClaims) { c["email"] = "alice@example.com" })), "alice@example.com")
	mustRefuse(t, a, sign(t, jwt.SigningMethodHS256, secret, "", claims()))
}

// keyServer is a JWKS endpoint whose keys a test changes.
type keyServer struct {
	*httptest.Server
	mu   sync.Mutex
	keys map[string]crypto.PublicKey
	down bool
	hits atomic.Int64
}

func newKeyServer(t *testing.T, keys map[string]crypto.PublicKey) *keyServer {
	t.Helper()
	ks := &keyServer{keys: keys}
	ks.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.hits.Add(1)
		ks.mu.Lock()
		defer ks.mu.Unlock()
		if ks.down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var set jwkset.JWKSMarshal
		for kid, pub := range ks.keys {
			jwk, err := jwkset.NewJWKFromKey(pub, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: kid}})
			if err != nil {
				t.Error(err)
			}
			set.Keys = append(set.Keys, jwk.Marshal())
		}
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(ks.Close)
	return ks
}

func (ks *keyServer) set(keys map[string]crypto.PublicKey, down bool) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.keys, ks.down = keys, down
}

// jwksAuth is an Authenticator on ks whose refresher ends with the test;
// an unknown kid may cause one refetch in the test's lifetime.
func jwksAuth(t *testing.T, ks *keyServer, edits ...func(*auth.Config)) *auth.Authenticator {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c := auth.Config{JWKSURL: ks.URL, Issuer: "https://idp.test", Audience: "agentd",
		JWKSUnknownKID: time.Hour, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, e := range edits {
		e(&c)
	}
	a, err := auth.New(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

type keys struct {
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
	ed  ed25519.PrivateKey
}

func genKeys(t *testing.T) keys {
	t.Helper()
	r, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, d, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return keys{r, e, d}
}

func TestJWKS(t *testing.T) {
	k, other := genKeys(t), genKeys(t)
	ks := newKeyServer(t, map[string]crypto.PublicKey{"rsa": k.rsa.Public(), "ec": k.ec.Public(), "ed": k.ed.Public()})
	a := jwksAuth(t, ks)
	mustAccept(t, a, sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", claims()), "alice")
	mustAccept(t, a, sign(t, jwt.SigningMethodES256, k.ec, "ec", claims()), "alice")
	mustAccept(t, a, sign(t, jwt.SigningMethodEdDSA, k.ed, "ed", claims()), "alice")
	mustAccept(t, a, sign(t, jwt.SigningMethodES256, k.ec, "", claims()), "alice") // no kid: any key of the type

	der, err := x509.MarshalPKIXPublicKey(k.rsa.Public())
	if err != nil {
		t.Fatal(err)
	}
	for name, token := range map[string]string{
		"forged RS256":                  sign(t, jwt.SigningMethodRS256, other.rsa, "rsa", claims()),
		"forged ES256":                  sign(t, jwt.SigningMethodES256, other.ec, "ec", claims()),
		"forged EdDSA":                  sign(t, jwt.SigningMethodEdDSA, other.ed, "ed", claims()),
		"forged, no kid":                sign(t, jwt.SigningMethodRS256, other.rsa, "", claims()),
		"alg none":                      noneToken(claims(), "rsa"),
		"HS256 keyed with a public key": sign(t, jwt.SigningMethodHS256, der, "rsa", claims()),
		"RS256 naming the EC key":       sign(t, jwt.SigningMethodRS256, k.rsa, "ec", claims()),
		"ES256 naming the Ed25519 key":  sign(t, jwt.SigningMethodES256, k.ec, "ed", claims()),
		"RS384, not allowed":            sign(t, jwt.SigningMethodRS384, k.rsa, "rsa", claims()),
		"expired":                       sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() })),
		"not yet valid":                 sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", claims(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() })),
		"wrong issuer":                  sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.test" })),
		"wrong audience":                sign(t, jwt.SigningMethodRS256, k.rsa, "rsa", claims(func(c jwt.MapClaims) { c["aud"] = "other" })),
	} {
		t.Run(name, func(t *testing.T) { mustRefuse(t, a, token) })
	}
}

// TestJWKSRotation: the identity provider starts signing with a new key
// and retires the old one; agentd follows without a restart, and an unknown
// kid makes it refetch at most once per gap.
func TestJWKSRotation(t *testing.T) {
	k1, k2, k3 := genKeys(t), genKeys(t), genKeys(t)
	ks := newKeyServer(t, map[string]crypto.PublicKey{"2026-01": k1.rsa.Public()})
	a := jwksAuth(t, ks)
	old := sign(t, jwt.SigningMethodRS256, k1.rsa, "2026-01", claims())
	mustAccept(t, a, old, "alice")
	fetched := ks.hits.Load()

	ks.set(map[string]crypto.PublicKey{"2026-02": k2.ec.Public()}, false)
	mustAccept(t, a, sign(t, jwt.SigningMethodES256, k2.ec, "2026-02", claims()), "alice")
	if ks.hits.Load() != fetched+1 {
		t.Fatalf("%d fetches for the new kid, want 1", ks.hits.Load()-fetched)
	}
	mustRefuse(t, a, old) // the retired key was dropped with the refetch

	// Within the gap another unknown kid is refused without a fetch.
	ks.set(map[string]crypto.PublicKey{"2026-03": k3.rsa.Public()}, false)
	mustRefuse(t, a, sign(t, jwt.SigningMethodRS256, k3.rsa, "2026-03", claims()))
	if ks.hits.Load() != fetched+1 {
		t.Fatalf("an unknown kid within the gap fetched the key set again (%d fetches)", ks.hits.Load()-fetched)
	}
}

// TestJWKSDownAtStart: agentd starts while the key server is down and
// accepts tokens once it answers.
func TestJWKSDownAtStart(t *testing.T) {
	k := genKeys(t)
	ks := newKeyServer(t, nil)
	ks.set(nil, true)
	a := jwksAuth(t, ks)
	if ks.hits.Load() == 0 {
		t.Fatal("the key set was not fetched at start")
	}
	ks.set(map[string]crypto.PublicKey{"k": k.ed.Public()}, false)
	mustAccept(t, a, sign(t, jwt.SigningMethodEdDSA, k.ed, "k", claims()), "alice")
}

// TestJWKSPeriodicRefresh: a new key is picked up by the periodic refetch
// even when the unknown-kid refetch is used up.
func TestJWKSPeriodicRefresh(t *testing.T) {
	k1, k2 := genKeys(t), genKeys(t)
	ks := newKeyServer(t, map[string]crypto.PublicKey{"a": k1.ed.Public()})
	a := jwksAuth(t, ks, func(c *auth.Config) { c.JWKSRefresh = 10 * time.Millisecond })
	mustRefuse(t, a, sign(t, jwt.SigningMethodEdDSA, k2.ed, "unknown", claims()))
	ks.set(map[string]crypto.PublicKey{"b": k2.ed.Public()}, false)
	// Two more fetches: the first began after the change, and the second
	// begins only once the first is stored.
	n := ks.hits.Load()
	for deadline := time.Now().Add(10 * time.Second); ks.hits.Load() < n+2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the key set was not refetched")
		}
	}
	mustAccept(t, a, sign(t, jwt.SigningMethodEdDSA, k2.ed, "b", claims()), "alice")
}
