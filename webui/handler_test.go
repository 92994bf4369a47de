package webui_test

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/agentd/agentd/webui"
)

// get serves one request through a fresh handler.
func get(t *testing.T, method string, header http.Header) *http.Response {
	t.Helper()
	srv := httptest.NewServer(webui.Handler())
	t.Cleanup(srv.Close)
	req, err := http.NewRequest(method, srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func page(t *testing.T) (string, http.Header) {
	t.Helper()
	res := get(t, http.MethodGet, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /: status %d", res.StatusCode)
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), res.Header
}

func TestHandler_ServesPageWithHeaders(t *testing.T) {
	body, h := page(t)
	want := map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"Cache-Control":          "no-cache",
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if etag := h.Get("ETag"); !regexp.MustCompile(`^"[A-Za-z0-9_-]{16,}"$`).MatchString(etag) {
		t.Errorf("ETag = %q, want a quoted strong validator", etag)
	}
	if !strings.HasPrefix(body, "<!doctype html>") {
		t.Errorf("body does not start with a doctype: %.60q", body)
	}
	if !strings.Contains(body, "<title>agentd chat</title>") {
		t.Error("body has no title")
	}
}

func TestHandler_RevalidatesWithETag(t *testing.T) {
	_, h := page(t)
	etag := h.Get("ETag")
	res := get(t, http.MethodGet, http.Header{"If-None-Match": {etag}})
	if res.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match %s: status %d, want 304", etag, res.StatusCode)
	}
	if b, _ := io.ReadAll(res.Body); len(b) != 0 {
		t.Errorf("304 carried a body of %d bytes", len(b))
	}
	res = get(t, http.MethodGet, http.Header{"If-None-Match": {`"stale"`}})
	if res.StatusCode != http.StatusOK {
		t.Errorf("stale If-None-Match: status %d, want 200", res.StatusCode)
	}
}

func TestHandler_Head(t *testing.T) {
	body, _ := page(t)
	res := get(t, http.MethodHead, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("HEAD: status %d", res.StatusCode)
	}
	if res.ContentLength != int64(len(body)) {
		t.Errorf("HEAD Content-Length %d, GET body %d bytes", res.ContentLength, len(body))
	}
}

func TestHandler_RejectsOtherMethods(t *testing.T) {
	res := get(t, http.MethodPost, nil)
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: status %d, want 405", res.StatusCode)
	}
	if got := res.Header.Get("Allow"); got != "GET, HEAD" {
		t.Errorf("Allow = %q", got)
	}
}

// inline returns the contents of every <tag>…</tag> element in the page.
func inline(body, tag string) []string {
	re := regexp.MustCompile(`(?s)<` + tag + `>(.*?)</` + tag + `>`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestPage_InlinesEveryAsset(t *testing.T) {
	body, _ := page(t)
	scripts := inline(body, "script")
	styles := inline(body, "style")
	if len(scripts) != 1 || len(styles) != 1 {
		t.Fatalf("want one inline script and one inline style, got %d and %d", len(scripts), len(styles))
	}
	css, err := os.ReadFile("static/style.css")
	if err != nil {
		t.Fatal(err)
	}
	if styles[0] != string(css) {
		t.Error("the inline style is not static/style.css verbatim")
	}
	files, err := filepath.Glob("static/*.js")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts found: %v", err)
	}
	for _, f := range files {
		js, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(scripts[0], string(js)); n != 1 {
			t.Errorf("%s appears %d times in the inline script, want once", f, n)
		}
	}
	if strings.Contains(body, "{{") {
		t.Error("the page has an unrendered template action")
	}
}

func TestPage_CSPAllowsExactlyTheInlineContent(t *testing.T) {
	body, h := page(t)
	csp := h.Get("Content-Security-Policy")
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	for _, want := range []string{
		"default-src 'none'",
		"script-src " + hash(inline(body, "script")[0]),
		"style-src " + hash(inline(body, "style")[0]),
		"connect-src 'self'",
	} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows unsafe sources: %q", csp)
	}
}

// widgetRenderer HTML runs in a frame the page embeds: a sandbox whose own
// policy lets inline script run but fetches nothing.
func TestHandler_ServesTheWidgetFrame(t *testing.T) {
	srv := httptest.NewServer(webui.Handler())
	t.Cleanup(srv.Close)
	res, err := http.Get(srv.URL + "/?frame=widget")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), `addEventListener("message"`) {
		t.Fatalf("GET /?frame=widget: %d %s", res.StatusCode, b)
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'unsafe-inline'", "frame-ancestors 'self'", "sandbox allow-scripts"} {
		if !strings.Contains(csp, want) {
			t.Errorf("frame CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "connect-src") || strings.Contains(csp, "allow-same-origin") {
		t.Errorf("frame CSP lets the widget reach out: %q", csp)
	}
	if _, h := page(t); !strings.Contains(h.Get("Content-Security-Policy"), "frame-src 'self'") {
		t.Errorf("the page may not embed the frame: %q", h.Get("Content-Security-Policy"))
	}
}

// The binary must be self-contained: nothing may load from another origin.
func TestPage_LoadsNothingFromElsewhere(t *testing.T) {
	body, _ := page(t)
	for _, m := range regexp.MustCompile(`\s(?:src|href)="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		if u := m[1]; !strings.HasPrefix(u, "#") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page references %q", u)
		}
	}
	for _, bad := range []string{"url(", "@import", "@font-face", "<link rel=\"stylesheet\""} {
		if strings.Contains(body, bad) {
			t.Errorf("the page contains %q", bad)
		}
	}
	urls := regexp.MustCompile(`https?://[^\s"'`+"`"+`)]+`).FindAllString(body, -1)
	for _, u := range urls {
		if u != "http://www.w3.org/2000/svg" { // the SVG namespace, never fetched
			t.Errorf("the page names the URL %q", u)
		}
	}
}

// Every element the script looks up by id, and every label's target, exists.
func TestPage_ReferencedIDsExist(t *testing.T) {
	body, _ := page(t)
	script := inline(body, "script")[0]
	markup := strings.Replace(body, script, "", 1)
	ids := map[string]int{}
	for _, m := range regexp.MustCompile(`\sid="([^"]+)"`).FindAllStringSubmatch(markup, -1) {
		ids[m[1]]++
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("id %q is used %d times", id, n)
		}
	}
	lookups := regexp.MustCompile(`byId\("([^"]+)"\)`).FindAllStringSubmatch(script, -1)
	if len(lookups) < 10 {
		t.Fatalf("found only %d byId lookups; the pattern no longer matches the script", len(lookups))
	}
	for _, m := range lookups {
		if ids[m[1]] == 0 {
			t.Errorf("the script looks up #%s, which the page lacks", m[1])
		}
	}
	for _, m := range regexp.MustCompile(`\sfor="([^"]+)"`).FindAllStringSubmatch(markup, -1) {
		if ids[m[1]] == 0 {
			t.Errorf("a label is for #%s, which the page lacks", m[1])
		}
	}
}

// The inline script must parse; node checks it when it is installed.
func TestPage_ScriptParses(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; the script's syntax is checked by webui/e2e")
	}
	body, _ := page(t)
	f := filepath.Join(t.TempDir(), "page.js")
	if err := os.WriteFile(f, []byte(inline(body, "script")[0]), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(node, "--check", f).CombinedOutput(); err != nil {
		t.Fatalf("node --check: %v\n%s", err, out)
	}
}
