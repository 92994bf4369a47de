package webui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// scripts are joined, in this order, into the page's one inline script;
// later files use functions declared by earlier ones.
var scripts = []string{
	"static/ids.js",
	"static/dom.js",
	"static/sse.js",
	"static/patch.js",
	"static/charts.js",
	"static/a2ui.js",
	"static/results.js",
	"static/tools.js",
	"static/chat.js",
	"static/panels.js",
	"static/app.js",
	"static/auth.js",
	"static/recovery.js",
	"static/fold.js",
	"static/runs.js",
	"static/threads.js",
	"static/main.js", // last: it starts the page
}

// page is the served document and the headers that describe it.
type page struct {
	body []byte
	etag string
	csp  string
	// widget is the frame widgetRenderer HTML runs in, served for
	// ?frame=widget (see static/results.js).
	widget *page
}

// widgetCSP is the frame's policy: the widget's inline script and style
// run, nothing is fetched or submitted, only this page may embed it, and
// even opened on its own it is a sandbox without its origin.
const widgetCSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; " +
	"form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox allow-scripts"

// Handler serves the chat page at whatever path it is mounted on. The page
// inlines its CSS and script so that it needs no other route; a Content
// Security Policy pins both by hash and allows network access only to the
// page's own origin. Clients revalidate with the ETag, so a new binary's page
// is seen at once.
func Handler() http.Handler {
	p, err := build()
	if err != nil {
		// The assets are compiled in: this only fails on a broken build,
		// which the package's tests catch.
		panic("webui: " + err.Error())
	}
	return p
}

func build() (*page, error) {
	tmpl, err := template.ParseFS(static, "static/index.html")
	if err != nil {
		return nil, fmt.Errorf("parsing index.html: %w", err)
	}
	css, err := static.ReadFile("static/style.css")
	if err != nil {
		return nil, err
	}
	var js strings.Builder
	js.WriteString("(() => {\n\"use strict\";\n")
	for _, name := range scripts {
		b, err := static.ReadFile(name)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&js, "// %s\n%s\n", strings.TrimPrefix(name, "static/"), b)
	}
	js.WriteString("})();\n")
	script := js.String()
	// Inline content must not close its own element early.
	if strings.Contains(strings.ToLower(script), "</script") {
		return nil, fmt.Errorf("a script contains </script")
	}
	if strings.Contains(strings.ToLower(string(css)), "</style") {
		return nil, fmt.Errorf("style.css contains </style")
	}
	var buf bytes.Buffer
	err = tmpl.Execute(&buf, map[string]any{
		"Style":  template.CSS(css),
		"Script": template.JS(script),
	})
	if err != nil {
		return nil, fmt.Errorf("rendering index.html: %w", err)
	}
	widget, err := static.ReadFile("static/widget.html")
	if err != nil {
		return nil, err
	}
	return &page{
		body:   buf.Bytes(),
		etag:   etag(buf.Bytes()),
		widget: &page{body: widget, etag: etag(widget), csp: widgetCSP},
		csp: strings.Join([]string{
			"default-src 'none'",
			"script-src " + hashSource(script),
			"style-src " + hashSource(string(css)),
			"connect-src 'self'",
			"img-src 'self' data:",
			"frame-src 'self'",
			"base-uri 'none'",
			"form-action 'none'",
			"frame-ancestors 'none'",
		}, "; "),
	}, nil
}

func etag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}

// hashSource is a CSP source expression that allows exactly this inline
// content.
func hashSource(content string) string {
	sum := sha256.Sum256([]byte(content))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// ServeHTTP implements http.Handler.
func (p *page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if p.widget != nil && r.URL.Query().Get("frame") == "widget" {
		p = p.widget
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", p.etag)
	h.Set("Content-Security-Policy", p.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// ServeContent answers If-None-Match with 304 and handles HEAD and
	// ranges; the zero modtime leaves validation to the ETag alone.
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(p.body))
}
