package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/agentd/agentd/httpapi"
)

func preflight(origin, method, headers string) http.Header {
	return http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}, "Access-Control-Request-Headers": {headers}}
}

func TestCORS_PreflightAnswersListedOriginsOnly(t *testing.T) {
	t.Parallel()
	b := setup(t, options{corsOrigins: []string{"https://app.example", "http://localhost:3000"}})
	asked := "authorization,content-type,last-event-id,x-agentd-user,x-api-key"
	for _, path := range []string{"/", "/runs/r1/cancel", "/threads/t1"} {
		res := b.do("OPTIONS", path, "", nil, preflight("https://app.example", "POST", asked))
		h := res.header
		if res.status != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "https://app.example" {
			t.Fatalf("preflight %s: %d %v", path, res.status, h)
		}
		for _, want := range strings.Split(asked, ",") {
			if !strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), want) {
				t.Errorf("Allow-Headers %q lacks %s", h.Get("Access-Control-Allow-Headers"), want)
			}
		}
		if h.Get("Access-Control-Allow-Methods") != "POST" || h.Get("Access-Control-Max-Age") != "600" ||
			!strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") || h.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("preflight headers %v", h)
		}
	}
	if h := b.do("OPTIONS", "/threads/t1", "", nil, preflight("http://localhost:3000", "DELETE", "")).header; h.Get("Access-Control-Allow-Methods") != "DELETE" {
		t.Errorf("DELETE preflight: %v", h)
	}
	// Unlisted origins, unlisted methods and headers get no allow header.
	for _, hdr := range []http.Header{preflight("https://evil.example", "POST", "content-type"),
		preflight("https://app.example.evil.example", "POST", "content-type"),
		preflight("https://app.example", "PUT", ""), preflight("https://app.example", "POST", "x-evil")} {
		if res := b.do("OPTIONS", "/", "", nil, hdr); res.header.Get("Access-Control-Allow-Origin") != "" || res.header.Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("preflight %v answered %d %v", hdr, res.status, res.header)
		}
	}
	// Actual responses name the origin and expose Retry-After.
	res := b.do("GET", "/threads", "", nil, http.Header{"Origin": {"https://app.example"}})
	if res.status != 200 || res.header.Get("Access-Control-Allow-Origin") != "https://app.example" || res.header.Get("Access-Control-Expose-Headers") != "Retry-After" {
		t.Errorf("GET from a listed origin: %d %v", res.status, res.header)
	}
	if res := b.do("GET", "/threads", "", nil, http.Header{"Origin": {"https://evil.example"}}); res.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("GET from an unlisted origin: %v", res.header)
	}
}

func TestCORS_NoneByDefault(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	for _, res := range []*result{b.do("OPTIONS", "/", "", nil, preflight("https://app.example", "POST", "content-type")),
		b.do("GET", "/threads", "", nil, http.Header{"Origin": {"https://app.example"}})} {
		for k := range res.header {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Errorf("CORS header %s sent with no --cors-origins", k)
			}
		}
	}
}

func TestCheckOrigins(t *testing.T) {
	if err := httpapi.CheckOrigins([]string{"https://app.example", "http://localhost:3000"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"*", "https://*.example", "app.example", "https://app.example/", "https://app.example/path"} {
		if err := httpapi.CheckOrigins([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
