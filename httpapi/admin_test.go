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
	authed := setup(t, options{authenticated: true})
	admin := httptest.NewServer(httpapi.Admin(authed.reg))
	t.Cleanup(admin.Close)

	if code, body := get(t, open.url+"/metrics"); code != 200 || !strings.Contains(body, "agentd_sse_clients") {
		t.Errorf("without auth /metrics on the public port: %d", code)
	}
	for _, p := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/goroutine"} {
		if code, _ := get(t, authed.url+p); code != http.StatusNotFound {
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
	// The command line (store URLs, passwords) is never shown.
	code, body := get(t, admin.URL+"/debug/pprof/cmdline")
	if code != http.StatusNotFound || strings.Contains(body, os.Args[0]) {
		t.Errorf("admin cmdline: %d %s", code, body)
	}
}
