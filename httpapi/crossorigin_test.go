package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm/sim"
)

// crossSite are the headers a browser sends with a form another site
// posts: by Sec-Fetch-Site, and by Origin alone (a browser without it).
var crossSite = map[string]http.Header{
	"Sec-Fetch-Site": {"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}},
	"Origin":         {"Origin": {"https://evil.example"}},
}

func TestCrossSite_SimpleRequestsChangeNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, options{model: sim.New(sim.Config{TokensPerSecond: 20, ReplyTokens: 200}), corsOrigins: []string{"https://app.example"}})
	in := input(newID("t"), userMsg("talk for a while"))
	done := make(chan *result)
	go func() { done <- b.post("/", in) }()
	waitRunning(t, b, in.RunID)

	fresh := input(newID("t"), userMsg("hi"))
	body, _ := json.Marshal(fresh)
	for name, hdr := range crossSite {
		t.Run(name, func(t *testing.T) {
			forbidden(t, b.do("POST", "/", "text/plain", body, hdr))
			forbidden(t, b.do("POST", "/agents/sample_agent", "text/plain", body, hdr))
			forbidden(t, b.do("POST", "/runs/"+in.RunID+"/cancel", "text/plain", nil, hdr))
			forbidden(t, b.do("DELETE", "/threads/"+in.ThreadID, "text/plain", nil, hdr))
		})
	}
	if r := b.do("GET", "/threads/"+fresh.ThreadID, "", nil, nil); r.status != http.StatusNotFound {
		t.Errorf("a refused run stored its thread: %d", r.status)
	}
	if msgs, _ := b.thread(in.ThreadID); len(msgs) != 1 {
		t.Errorf("after a refused delete the thread has %d messages, want the user's", len(msgs))
	}
	run, ok := b.runs.Get(in.RunID)
	if !ok {
		t.Fatal("run gone")
	}
	select {
	case <-run.Wait():
		t.Fatal("a refused cancel stopped the run")
	case <-time.After(300 * time.Millisecond): // a cancel ends it within milliseconds
	}
	// Same-origin pages, the listed origin and clients without browser
	// headers are served.
	if r := b.do("GET", "/threads/"+in.ThreadID, "", nil, crossSite["Sec-Fetch-Site"]); r.status != http.StatusOK {
		t.Errorf("cross-site GET: %d", r.status)
	}
	listed := http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://app.example"}}
	if r := b.do("POST", "/runs/"+in.RunID+"/cancel", "", nil, listed); r.status != http.StatusAccepted {
		t.Fatalf("cancel from a listed origin: %d %s", r.status, r.body)
	}
	if last := (<-done).last(); last.Type != agui.RunError || last.Code != "cancelled" {
		t.Fatalf("last event %+v", last)
	}
	same := http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {b.url}}
	if r := b.do("DELETE", "/threads/"+in.ThreadID, "", nil, same); r.status != http.StatusNoContent {
		t.Fatalf("same-origin delete: %d %s", r.status, r.body)
	}
}
