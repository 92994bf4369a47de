package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/agentd/agentd/httpapi"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAdmin_MetricsLeaveThePublicPortWithAuth(t *testing.T) {
	t.Parallel()
	open := setup(t, options{})
	secured := authed(t, options{})
	admin := httptest.NewServer(httpapi.Admin(secured.reg, []string{"ops.example"}))
	t.Cleanup(admin.Close)

	if code, body := get(t, open.url+"/metrics"); code != 200 || !strings.Contains(body, "agentd_sse_clients") {
		t.Errorf("without auth /metrics on the public port: %d", code)
	}
	for _, p := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/goroutine"} {
		if code := secured.do("GET", p, "", nil, http.Header{"X-Api-Key": {keyA}}).status; code != http.StatusNotFound {
			t.Errorf("with auth %s on the public port: %d", p, code)
		}
		if code, _ := get(t, open.url+p); p != "/metrics" && code != http.StatusNotFound {
			t.Errorf("without auth %s on the public port: %d", p, code)
		}
	}
	if code, body := get(t, admin.URL+"/metrics"); code != 200 || !strings.Contains(body, "agentd_sse_clients") {
		t.Errorf("admin /metrics: %d", code)
	}
	if code, body := get(t, admin.URL+"/debug/pprof/goroutine?debug=1"); code != 200 || !strings.Contains(body, "goroutine profile") {
		t.Errorf("admin pprof goroutine: %d %.200s", code, body)
	}
	// Scrapers by IP or a listed name are served, a rebound name is not.
	for h, want := range map[string]int{"10.0.0.7:9090": 200, "[fd00::1]:9090": 200, "ops.example": 200, "localhost": 200, "evil.example:6060": 403} {
		req, _ := http.NewRequest("GET", admin.URL+"/metrics", nil)
		req.Host = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("admin /metrics with Host %s: %d, want %d", h, resp.StatusCode, want)
		}
	}
	// The command line (store URLs, passwords) is never shown.
	code, body := get(t, admin.URL+"/debug/pprof/cmdline")
	if code != http.StatusNotFound || strings.Contains(body, os.Args[0]) {
		t.Errorf("admin cmdline: %d %s", code, body)
	}
}
