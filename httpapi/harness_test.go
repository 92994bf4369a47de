package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentd/agentd/admission"
	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/auth"
	"github.com/agentd/agentd/coord"
	"github.com/agentd/agentd/httpapi"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/sim"
	"github.com/agentd/agentd/runs"
	"github.com/agentd/agentd/store"
	"github.com/prometheus/client_golang/prometheus"
)

// bundle is one test's server: real SQLite, real HTTP, the sim model.
type bundle struct {
	t     testing.TB
	url   string
	store store.Store
	runs  *runs.Manager
	reg   *prometheus.Registry
}

type options struct {
	model      llm.Provider
	agents     []*agent.Agent
	budget     *admission.Budget
	limiter    admission.Limiter
	doubleSend string
	// auth, allowedHosts, corsOrigins: the request checks.
	auth         *auth.Authenticator
	allowedHosts []string
	corsOrigins  []string
	proxies      []netip.Prefix
	ui           http.Handler
	// Input limits (zero: none, or the server's default body timeout).
	limits                        agui.Limits
	threadMessages                int
	threadBytes                   int64
	bodyTimeout                   time.Duration
	rejoinsPerRun, rejoinsPerUser int
	// store, when set, is used instead of a fresh SQLite store; events
	// and signals, when set, are the deployment's shared coordination.
	store   store.Store
	events  coord.EventLog
	signals coord.Signals
	// maxThreads is runs.Config.MaxThreadsPerUser, tokensPerDay
	// runs.Config.UserTokensPerDay.
	maxThreads   int
	tokensPerDay int64
}

// counterAgent is a test agent with a server tool that changes the shared
// state, the way the demo's todo tools do.
func counterAgent() *agent.Agent {
	return &agent.Agent{Name: "sample_agent", Instructions: "test agent", Tools: []agent.Tool{{
		Name: "bump_counter", Description: "Add one to the counter",
		Parameters: json.RawMessage(`{"type":"object","properties":{}}`),
		Run: func(ctx context.Context, c agent.Call) (agent.Result, error) {
			var st struct {
				Count int `json:"count"`
			}
			if err := c.BindState(&st); err != nil {
				return agent.Result{}, err
			}
			st.Count++
			b, _ := json.Marshal(st)
			return agent.Result{Content: fmt.Sprintf("counter is %d", st.Count), State: b}, nil
		},
	}}}
}

func setup(t testing.TB, o options) *bundle {
	t.Helper()
	if o.model == nil {
		o.model = sim.New(sim.Config{})
	}
	if o.agents == nil {
		o.agents = []*agent.Agent{counterAgent()}
	}
	st := o.store
	if st == nil {
		st = testenv.SQLite(t)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := prometheus.NewRegistry()
	mgr, err := runs.New(runs.Config{Store: st, Agents: o.agents, Model: o.model, Logger: log, LeaseTTL: 3 * time.Second,
		DoubleSend: o.doubleSend, Registerer: reg, MaxThreadMessages: o.threadMessages, MaxThreadBytes: o.threadBytes,
		Events: o.events, Signals: o.signals, MaxThreadsPerUser: o.maxThreads, UserTokensPerDay: o.tokensPerDay})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(asTestUser(httpapi.New(httpapi.Config{Runs: mgr, Store: st, Logger: log, MaxBody: 64 << 10,
		Heartbeat: 200 * time.Millisecond, Budget: o.budget, Limiter: o.limiter, Registerer: reg, Gatherer: reg,
		Limits: o.limits, BodyTimeout: o.bodyTimeout, MaxRejoinsPerRun: o.rejoinsPerRun, MaxRejoinsPerUser: o.rejoinsPerUser,
		Auth: o.auth, AllowedHosts: o.allowedHosts, CORSOrigins: o.corsOrigins,
		TrustedProxies: o.proxies, UI: o.ui})))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		mgr.Drain(ctx)
		srv.Close()
	})
	return &bundle{t: t, url: srv.URL, store: st, runs: mgr, reg: reg}
}

// The service keys of an authed server; it also takes HS256 tokens signed
// with jwtSecret.
const (
	keyA = "svc-a-0123456789abcdef"
	keyB = "svc-b-0123456789abcdef"
)

var jwtSecret = []byte("httpapi-test-secret-0123456789ab")

// authed is setup with authentication.
func authed(t testing.TB, o options) *bundle {
	t.Helper()
	a, err := auth.New(context.Background(), auth.Config{Keys: []string{keyA, keyB}, JWTSecret: jwtSecret})
	if err != nil {
		t.Fatal(err)
	}
	o.auth = a
	return setup(t, o)
}

var seq atomic.Int64

func newID(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano(), seq.Add(1))
}

func userMsg(text string) agui.Message {
	return agui.Message{ID: newID("u"), Role: "user", Content: agui.TextContent(text)}
}

// result is a finished SSE response.
type result struct {
	status int
	header http.Header
	body   []byte
	events []agui.Event
	ids    []string
}

func (b *bundle) post(path string, in any) *result {
	b.t.Helper()
	body, err := json.Marshal(in)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do("POST", path, "application/json", body, nil)
}

func (b *bundle) do(method, path, ctype string, body []byte, hdr http.Header) *result {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, b.url+path, bytes.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if h := hdr.Get("Host"); h != "" {
		req.Host = h // the client sends req.Host, not a Host header
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	res := &result{status: resp.StatusCode, header: resp.Header}
	if resp.Header.Get("Content-Type") == agui.ContentType {
		res.events, res.ids = readSSE(b.t, resp.Body, hdr.Get("Last-Event-Id") == "")
	} else if res.body, err = io.ReadAll(resp.Body); err != nil {
		b.t.Fatal(err)
	}
	return res
}

// readSSE reads frames the way the official client does and, for a stream
// from its start, checks every event with the ordering rules it enforces.
func readSSE(t testing.TB, r io.Reader, verify bool) ([]agui.Event, []string) {
	t.Helper()
	var events []agui.Event
	var ids []string
	var v agui.Verifier
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 10<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			ids = append(ids, strings.TrimPrefix(line, "id: "))
		case strings.HasPrefix(line, "data: "):
			var ev agui.Event
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev); err != nil {
				t.Fatalf("bad frame %q: %v", line, err)
			}
			if err := v.Check(&ev); verify && err != nil {
				t.Fatalf("protocol violation: %v (after %d events)", err, len(events))
			}
			events = append(events, ev)
		}
	}
	return events, ids
}

func (r *result) last() agui.Event {
	if len(r.events) == 0 {
		return agui.Event{}
	}
	return r.events[len(r.events)-1]
}

func (r *result) text() string {
	var b strings.Builder
	for _, ev := range r.events {
		if ev.Type == agui.TextMessageContent {
			b.WriteString(ev.Delta)
		}
	}
	return b.String()
}

func (r *result) find(typ agui.EventType) *agui.Event {
	for i := range r.events {
		if r.events[i].Type == typ {
			return &r.events[i]
		}
	}
	return nil
}

// mustFinish fails unless the stream ended with RUN_FINISHED for the run.
func (r *result) mustFinish(t *testing.T, in *agui.RunAgentInput) {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	last := r.last()
	if last.Type != agui.RunFinished || last.RunID != in.RunID || last.ThreadID != in.ThreadID {
		t.Fatalf("last event %+v, want RUN_FINISHED of %s", last, in.RunID)
	}
	if first := r.events[0]; first.RunID != in.RunID || first.ThreadID != in.ThreadID {
		t.Fatalf("RUN_STARTED %+v does not echo the request", first)
	}
}

func input(thread string, msgs ...agui.Message) *agui.RunAgentInput {
	return &agui.RunAgentInput{ThreadID: thread, RunID: newID("r"), Messages: msgs, State: json.RawMessage(`{}`)}
}

// thread reads GET /threads/{id}.
func (b *bundle) thread(id string) (msgs []agui.Message, state json.RawMessage) {
	b.t.Helper()
	res := b.do("GET", "/threads/"+id, "", nil, nil)
	if res.status != 200 {
		b.t.Fatalf("GET thread: %d %s", res.status, res.body)
	}
	var body struct {
		Messages []agui.Message `json:"messages"`
		State    json.RawMessage
	}
	if err := json.Unmarshal(res.body, &body); err != nil {
		b.t.Fatal(err)
	}
	return body.Messages, body.State
}
