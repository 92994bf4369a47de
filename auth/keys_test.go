package auth_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/auth"
)

const (
	key1 = "k1-0123456789abcdef"
	key2 = "k2-fedcba9876543210"
)

func newAuth(t *testing.T, c auth.Config) *auth.Authenticator {
	t.Helper()
	a, err := auth.New(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// call authenticates a request with the given headers.
func call(a *auth.Authenticator, headers ...string) (agentd.Caller, error) {
	r := httptest.NewRequest("GET", "/threads", nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	return a.Authenticate(r)
}

func TestServiceKeyActsForTheNamedUser(t *testing.T) {
	a := newAuth(t, auth.Config{Keys: []string{key1, key2}})
	for _, tt := range []struct {
		name    string
		headers []string
		want    agentd.Caller
	}{
		{"bearer, user named", []string{"Authorization", "Bearer " + key1, "X-Agentd-User", "alice"}, agentd.Caller{User: "alice", Via: "key"}},
		{"X-API-Key, user named", []string{"X-API-Key", key2, "X-Agentd-User", "bob@example.com"}, agentd.Caller{User: "bob@example.com", Via: "key"}},
		{"lower-case scheme", []string{"Authorization", "bearer " + key2}, agentd.Caller{User: agentd.ServiceUser, Via: "key"}},
		{"no user named", []string{"X-API-Key", key1}, agentd.Caller{User: agentd.ServiceUser, Via: "key"}},
		{"unicode user", []string{"X-API-Key", key1, "X-Agentd-User", "Zoë Ñ"}, agentd.Caller{User: "Zoë Ñ", Via: "key"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := call(a, tt.headers...)
			if err != nil || got != tt.want {
				t.Fatalf("caller %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestServiceKeyRefusals(t *testing.T) {
	a := newAuth(t, auth.Config{Keys: []string{key1}})
	for _, tt := range []struct {
		name    string
		headers []string
		invalid bool // a credential was given and rejected
	}{
		{"no credentials", nil, false},
		{"wrong key", []string{"X-API-Key", key2}, true},
		{"wrong bearer", []string{"Authorization", "Bearer " + key2}, true},
		{"a prefix of the key", []string{"X-API-Key", key1[:len(key1)-1]}, true},
		{"basic scheme", []string{"Authorization", "Basic " + key1}, true},
		{"bearer without a value", []string{"Authorization", "Bearer "}, false},
		{"wrong key with a user", []string{"X-API-Key", key2, "X-Agentd-User", "alice"}, true},
		{"empty user", []string{"X-API-Key", key1, "X-Agentd-User", ""}, false},
		{"user too long", []string{"X-API-Key", key1, "X-Agentd-User", strings.Repeat("a", 129)}, false},
		{"user with a control character", []string{"X-API-Key", key1, "X-Agentd-User", "al\x7fice"}, false},
		{"user not UTF-8", []string{"X-API-Key", key1, "X-Agentd-User", "al\xffice"}, false},
		{"two users", []string{"X-API-Key", key1, "X-Agentd-User", "alice", "X-Agentd-User", "bob"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := call(a, tt.headers...)
			if err == nil {
				t.Fatalf("accepted as %+v", c)
			}
			if code := agentd.ErrorCode(err); code != agentd.CodeUnauthenticated {
				t.Fatalf("code %s (%v)", code, err)
			}
			if got := errors.Is(err, auth.ErrInvalidToken); got != tt.invalid {
				t.Fatalf("ErrInvalidToken %v, want %v (%v)", got, tt.invalid, err)
			}
			if strings.Contains(err.Error(), key1) || strings.Contains(err.Error(), key2) {
				t.Fatalf("the error names a key: %v", err)
			}
		})
	}
	if _, err := call(a, "X-API-Key", key1, "X-Agentd-User", strings.Repeat("é", 64)); err != nil {
		t.Errorf("a 128-byte user was refused: %v", err)
	}
}

func TestNewRefusesWeakConfig(t *testing.T) {
	for name, c := range map[string]auth.Config{
		"nothing":          {},
		"short key":        {Keys: []string{"tiny-key"}},
		"key with a space": {Keys: []string{"0123456789 abcdefgh"}},
		"short secret":     {JWTSecret: []byte("0123456789")},
		"plain http JWKS":  {JWKSURL: "http://idp.example.com/jwks.json"},
		"JWKS not a URL":   {JWKSURL: "jwks.json"},
	} {
		if _, err := auth.New(context.Background(), c); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "tiny-key") {
			t.Errorf("%s: the error names the key: %v", name, err)
		}
	}
}

func TestLoadKeys(t *testing.T) {
	f := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(f, []byte("# service keys\n"+key1+"\n\n  "+key2+"  \n# retired: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for spec, want := range map[string][]string{
		"@" + f:            {key1, key2},
		key1 + ", " + key2: {key1, key2},
		key1:               {key1},
		" " + key1 + ",,":  {key1},
	} {
		got, err := auth.LoadKeys(spec)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("LoadKeys(%q) = %q, %v; want %q", spec, got, err, want)
		}
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, []byte("# nothing yet\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, spec := range []string{"@" + empty, "@" + filepath.Join(t.TempDir(), "missing")} {
		if keys, err := auth.LoadKeys(spec); err == nil {
			t.Errorf("LoadKeys(%q) = %q, want an error", spec, keys)
		}
	}
}
