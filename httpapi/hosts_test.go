package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// forbidden fails unless res is a 403 JSON error with code forbidden.
func forbidden(t *testing.T, res *result) {
	t.Helper()
	var body struct {
		Error struct{ Code, Message string }
	}
	if res.status != http.StatusForbidden || json.Unmarshal(res.body, &body) != nil || body.Error.Code != "forbidden" || body.Error.Message == "" {
		t.Fatalf("got %d %s, want 403 forbidden", res.status, res.body)
	}
}

func host(h string) http.Header { return http.Header{"Host": {h}} }

func TestHostCheck_RefusesForeignNamesWithoutAuth(t *testing.T) {
	t.Parallel()
	b := setup(t, options{allowedHosts: []string{"agentd.example.com:443", "Chat.Example.org"}})
	for _, h := range []string{"localhost:8123", "localhost", "LOCALHOST.", "app.localhost:3000", "127.0.0.1:8123", "127.9.9.9", "[::1]:8123", "[::1]",
		"agentd.example.com", "agentd.example.com:8443", "chat.example.org"} {
		if r := b.do("GET", "/threads", "", nil, host(h)); r.status != http.StatusOK {
			t.Errorf("Host %s: %d %s", h, r.status, r.body)
		}
	}
	for _, h := range []string{"evil.example", "evil.example:8123", "localhost.evil.example", "0.0.0.0:8123", "10.0.0.1:8123", "example.com"} {
		t.Run(h, func(t *testing.T) {
			forbidden(t, b.do("GET", "/threads", "", nil, host(h)))
			forbidden(t, b.do("GET", "/metrics", "", nil, host(h)))
		})
	}
	// A run from a rebound name is refused before anything is stored.
	in := input(newID("t"), userMsg("hi"))
	body, _ := json.Marshal(in)
	forbidden(t, b.do("POST", "/", "application/json", body, host("evil.example:8123")))
	if r := b.do("GET", "/threads/"+in.ThreadID, "", nil, nil); r.status != http.StatusNotFound {
		t.Errorf("a refused run stored its thread: %d", r.status)
	}
	// Probes answer whatever name the platform uses.
	for _, p := range []string{"/livez", "/readyz", "/health", "/agents/sample_agent/health"} {
		if r := b.do("GET", p, "", nil, host("10.1.2.3:8123")); r.status != http.StatusOK {
			t.Errorf("%s with a pod IP as Host: %d %s", p, r.status, r.body)
		}
	}
	if r := b.do("HEAD", "/readyz", "", nil, host("10.1.2.3:8123")); r.status != http.StatusOK {
		t.Errorf("HEAD /readyz with a pod IP as Host: %d", r.status)
	}
}

func TestHostCheck_OffWithAuth(t *testing.T) {
	t.Parallel()
	b := authed(t, options{})
	h := host("agentd.example.com")
	h.Set("X-API-Key", keyA)
	if r := b.do("GET", "/threads", "", nil, h); r.status != http.StatusOK {
		t.Fatalf("authenticated server refused a public Host: %d %s", r.status, r.body)
	}
}
