package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/admission"
	"github.com/agentd/agentd/webui"
	"github.com/golang-jwt/jwt/v5"
)

func token(t *testing.T, sub string) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub, "exp": time.Now().Add(time.Hour).Unix()}).SignedString(jwtSecret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func asKey(key, user string) http.Header {
	h := http.Header{"X-Api-Key": {key}}
	if user != "" {
		h.Set("X-Agentd-User", user)
	}
	return h
}

func TestAuth_EveryRouteButProbesAndThePageNeedsCredentials(t *testing.T) {
	t.Parallel()
	b := authed(t, options{ui: webui.Handler()})
	body, _ := json.Marshal(input(newID("t"), userMsg("hi")))
	for _, rt := range []struct{ method, path string }{
		{"POST", "/"}, {"POST", "/agents/sample_agent"}, {"POST", "/agents/nobody"},
		{"GET", "/threads"}, {"GET", "/threads/x"}, {"DELETE", "/threads/x"},
		{"GET", "/runs/x/events"}, {"POST", "/runs/x/cancel"}, {"GET", "/metrics"}, {"GET", "/no/such/route"},
	} {
		res := b.do(rt.method, rt.path, "application/json", body, nil)
		if res.status != http.StatusUnauthorized || res.header.Get("WWW-Authenticate") != `Bearer realm="agentd"` ||
			!strings.Contains(string(res.body), `"code":"unauthenticated"`) {
			t.Errorf("%s %s without credentials: %d %q %s", rt.method, rt.path, res.status, res.header.Get("WWW-Authenticate"), res.body)
		}
		res = b.do(rt.method, rt.path, "application/json", body, http.Header{"Authorization": {"Bearer wrong"}})
		if res.status != http.StatusUnauthorized || res.header.Get("WWW-Authenticate") != `Bearer realm="agentd", error="invalid_token"` {
			t.Errorf("%s %s with a bad token: %d %q", rt.method, rt.path, res.status, res.header.Get("WWW-Authenticate"))
		}
	}
	for _, path := range []string{"/", "/livez", "/readyz", "/health", "/agents/sample_agent/health"} {
		if res := b.do("GET", path, "", nil, nil); res.status != 200 {
			t.Errorf("GET %s without credentials: %d %s", path, res.status, res.body)
		}
	}
	if res := b.do("HEAD", "/", "", nil, nil); res.status != 200 {
		t.Errorf("HEAD / without credentials: %d", res.status)
	}
	// With credentials the same routes answer as before.
	if res := b.do("GET", "/threads", "", nil, asKey(keyA, "alice")); res.status != 200 {
		t.Errorf("GET /threads with a key: %d %s", res.status, res.body)
	}
	// With auth /metrics is served only on --admin-addr.
	if res := b.do("GET", "/metrics", "", nil, http.Header{"Authorization": {"Bearer " + token(t, "ops")}}); res.status != http.StatusNotFound {
		t.Errorf("GET /metrics with a token: %d", res.status)
	}
	in := input(newID("t"), userMsg("hello"))
	body, _ = json.Marshal(in)
	b.do("POST", "/", "application/json", body, http.Header{"Authorization": {"Bearer " + token(t, "alice")}}).mustFinish(t, in)
	if res := b.do("POST", "/", "application/json", body, asKey(keyA, strings.Repeat("a", 129))); res.status != http.StatusUnauthorized ||
		!strings.Contains(string(res.body), "X-Agentd-User") {
		t.Errorf("a bad X-Agentd-User: %d %s", res.status, res.body)
	}
}

// keyRecorder notes the key every rate-limit check is made under.
type keyRecorder struct {
	admission.Limiter
	mu   sync.Mutex
	keys []string
}

func (k *keyRecorder) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	k.mu.Lock()
	k.keys = append(k.keys, key)
	k.mu.Unlock()
	return k.Limiter.Allow(ctx, key)
}

func (k *keyRecorder) last() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.keys[len(k.keys)-1]
}

// TestAuth_RateLimitIsPerVerifiedUser: a user's bucket is the same behind
// every key, token and address, and no two users share one.
func TestAuth_RateLimitIsPerVerifiedUser(t *testing.T) {
	t.Parallel()
	rec := &keyRecorder{Limiter: admission.NewLocal(0.01, 2)}
	b := authed(t, options{limiter: rec, proxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	run := func(h http.Header) *result {
		body, _ := json.Marshal(input(newID("t"), userMsg("hi")))
		return b.do("POST", "/", "application/json", body, h)
	}
	from := func(h http.Header, ip string) http.Header { h.Set("X-Forwarded-For", ip); return h }
	// alice from two addresses, by key and by token: one bucket of 2.
	if r := run(from(asKey(keyA, "alice"), "198.51.100.1")); r.status != 200 {
		t.Fatalf("alice's first run: %d %s", r.status, r.body)
	}
	aliceKey := rec.last()
	if r := run(from(http.Header{"Authorization": {"Bearer " + token(t, "alice")}}, "198.51.100.2")); r.status != 200 {
		t.Fatalf("alice's second run: %d %s", r.status, r.body)
	}
	if rec.last() != aliceKey || !strings.HasPrefix(aliceKey, "user:") || strings.Contains(aliceKey, "alice") {
		t.Fatalf("alice's runs were limited under %q and %q", aliceKey, rec.last())
	}
	r := run(from(asKey(keyB, "alice"), "203.0.113.9"))
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("alice over her rate from a third address with another key: %d %s", r.status, r.body)
	}
	// bob and the service itself, from alice's address, have their own.
	for _, h := range []http.Header{asKey(keyA, "bob"), asKey(keyA, "")} {
		if r := run(from(h, "198.51.100.1")); r.status != 200 {
			t.Fatalf("%v was limited by alice's traffic: %d", h, r.status)
		}
	}
}

// TestAuth_WithoutAuthTheLimitIsPerIP: with no authentication an API key
// header is just a header; it cannot buy a caller a fresh bucket.
func TestAuth_WithoutAuthTheLimitIsPerIP(t *testing.T) {
	t.Parallel()
	b := setup(t, options{limiter: admission.NewLocal(0.01, 1), proxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	run := func(key, ip string) int {
		body, _ := json.Marshal(input(newID("t"), userMsg("hi")))
		return b.do("POST", "/", "application/json", body, http.Header{"X-Api-Key": {key}, "X-Forwarded-For": {ip}}).status
	}
	if s := run("one", "198.51.100.1"); s != 200 {
		t.Fatalf("first run: %d", s)
	}
	if s := run("two", "198.51.100.1"); s != http.StatusTooManyRequests {
		t.Fatalf("another X-API-Key from the same address: %d, want 429", s)
	}
	if s := run("two", "198.51.100.2"); s != 200 {
		t.Fatalf("another address: %d", s)
	}
}

// sendHead writes a run request's head and none of its body, and returns
// the status line the server answers with. A server that reads the body
// first would answer 100 Continue (Expect) or nothing at all.
func sendHead(t *testing.T, b *bundle, extra string) string {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(b.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second)) // a bound on failure, not a wait
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: agentd\r\nContent-Type: application/json\r\n%s\r\n", extra)
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("no answer while the body is held back: %v", err)
	}
	return strings.TrimSpace(status)
}

func TestAuth_RefusedBeforeTheBodyIsRead(t *testing.T) {
	t.Parallel()
	b := authed(t, options{limiter: admission.NewLocal(0.001, 1)})
	for _, extra := range []string{
		"Content-Length: 1000\r\nExpect: 100-continue\r\n",
		"Content-Length: 1000000\r\n", // past what the server would drain before answering
	} {
		if got := sendHead(t, b, extra); got != "HTTP/1.1 401 Unauthorized" {
			t.Errorf("no credentials, body held (%q): %q", extra, got)
		}
	}
	// A body that is not JSON is not even looked at without credentials.
	if res := b.do("POST", "/", "application/json", []byte(`{"threadId":`), nil); res.status != http.StatusUnauthorized {
		t.Errorf("bad JSON without credentials: %d, want 401", res.status)
	}
	// alice's one run is used up; her next is refused before its body.
	in := input(newID("t"), userMsg("hi"))
	body, _ := json.Marshal(in)
	b.do("POST", "/", "application/json", body, asKey(keyA, "alice")).mustFinish(t, in)
	got := sendHead(t, b, "X-API-Key: "+keyA+"\r\nX-Agentd-User: alice\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n")
	if got != "HTTP/1.1 429 Too Many Requests" {
		t.Errorf("over the rate, body held: %q", got)
	}
	// bob, within his rate, is asked for the body.
	got = sendHead(t, b, "X-API-Key: "+keyA+"\r\nX-Agentd-User: bob\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n")
	if got != "HTTP/1.1 100 Continue" {
		t.Errorf("admitted, body held: %q, want 100 Continue", got)
	}
}

// TestAuth_TheVerifiedUserOwnsTheThread: the user a service key names, or a
// token's subject, is the one whose threads a request sees.
func TestAuth_TheVerifiedUserOwnsTheThread(t *testing.T) {
	t.Parallel()
	b := authed(t, options{})
	in := input(newID("t"), userMsg("mine"))
	body, _ := json.Marshal(in)
	b.do("POST", "/", "application/json", body, asKey(keyA, "alice")).mustFinish(t, in)
	lists := func(h http.Header) bool {
		res := b.do("GET", "/threads", "", nil, h)
		if res.status != 200 {
			t.Fatalf("GET /threads: %d %s", res.status, res.body)
		}
		return strings.Contains(string(res.body), in.ThreadID)
	}
	for name, h := range map[string]http.Header{
		"alice by the other key": asKey(keyB, "alice"),
		"alice by a token":       {"Authorization": {"Bearer " + token(t, "alice")}},
	} {
		if !lists(h) {
			t.Errorf("%s does not see her thread", name)
		}
	}
	for name, h := range map[string]http.Header{
		"bob":                       asKey(keyA, "bob"),
		"the service itself":        asKey(keyA, ""),
		"bob's token, naming alice": {"Authorization": {"Bearer " + token(t, "bob")}, "X-Agentd-User": {"alice"}},
	} {
		if lists(h) {
			t.Errorf("%s sees alice's thread", name)
		}
	}
	if res := b.do("GET", "/threads/"+in.ThreadID, "", nil, asKey(keyA, "bob")); res.status != http.StatusNotFound {
		t.Errorf("bob reads alice's thread: %d", res.status)
	}
}
