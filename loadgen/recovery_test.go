package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/httpapi"
	"github.com/agentd/agentd/internal/tcpproxy"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/llm/sim"
	"github.com/agentd/agentd/runs"
)

// agentdServer is a real agentd handler (runs manager, SQLite store, the
// sim model paced so a reply streams for a while) on 127.0.0.1.
func agentdServer(t *testing.T) (string, *runs.Manager) {
	t.Helper()
	st := testenv.SQLite(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mgr, err := runs.New(runs.Config{Store: st, Agents: []*agent.Agent{{Name: "sample_agent", Instructions: "test"}},
		Model: sim.New(sim.Config{TokensPerSecond: 200, ReplyTokens: 40}), Logger: log, LeaseTTL: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Runs: mgr, Store: st, Logger: log, Heartbeat: 200 * time.Millisecond}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		mgr.Drain(ctx)
		srv.Close()
	})
	return srv.URL + "/", mgr
}

// cutAfter is a transport that cuts the proxy once a response from it has
// carried n SSE frames: the client's connection breaks mid-stream, as
// when an instance dies, while the run goes on behind it.
type cutAfter struct {
	proxy *tcpproxy.Proxy
	n     int
}

func (c *cutAfter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && req.URL.Host == c.proxy.Addr() {
		resp.Body = &cuttingBody{ReadCloser: resp.Body, c: c}
	}
	return resp, err
}

type cuttingBody struct {
	io.ReadCloser
	c      *cutAfter
	frames int
}

func (b *cuttingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if b.frames += bytes.Count(p[:n], []byte("\n\n")); b.frames >= b.c.n {
		b.c.proxy.Cut()
	}
	return n, err
}

// storedThread reads GET /threads/{id}.
func storedThread(t *testing.T, base, id string) []agui.Message {
	t.Helper()
	resp, err := http.Get(resolve(base, "/threads/"+id))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var th struct{ Messages []agui.Message }
	if err := json.NewDecoder(resp.Body).Decode(&th); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET thread: %d %v", resp.StatusCode, err)
	}
	return th.Messages
}

func TestRecovery_RejoinContinuesACutStreamOnTheNextURL(t *testing.T) {
	t.Parallel()
	direct, _ := agentdServer(t)
	u, _ := url.Parse(direct)
	proxy, err := tcpproxy.Listen("127.0.0.1:0", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	hc := &http.Client{Transport: &cutAfter{proxy: proxy, n: 4}}
	c := &turnClient{http: hc, urls: []string{"http://" + proxy.Addr() + "/", direct}, timeout: 10 * time.Second, rejoin: 2}
	in, conv := testInput()
	res := c.turn(context.Background(), 0, in, conv, []string{in.Messages[0].ID})
	if res.Outcome != OutcomeOK || res.Rejoins != 1 || res.Retries != 0 || res.Silent {
		t.Fatalf("outcome %s (%s), rejoins %d, retries %d, silent %v; want ok after one rejoin",
			res.Outcome, res.Detail, res.Rejoins, res.Retries, res.Silent)
	}
	// No gap and no repeat: the reply the client folded is the stored one.
	stored := storedThread(t, direct, in.ThreadID)
	if len(stored) != 2 || len(conv.msgs) != 2 || stored[1].ID != conv.msgs[1].ID ||
		jsonText(stored[1].Content) != jsonText(conv.msgs[1].Content) || jsonText(stored[1].Content) == "" {
		t.Fatalf("client folded %+v, thread holds %+v", conv.msgs, stored)
	}
	if len(res.Committed) != 2 || res.Committed[0] != stored[0].ID || res.Committed[1] != stored[1].ID {
		t.Errorf("committed %v, thread holds %s and %s", res.Committed, stored[0].ID, stored[1].ID)
	}

	// Without --rejoin the same cut is a stream error.
	proxy.Restore()
	hc = &http.Client{Transport: &cutAfter{proxy: proxy, n: 4}}
	c = &turnClient{http: hc, urls: c.urls, timeout: 10 * time.Second}
	in, conv = testInput()
	if res := c.turn(context.Background(), 0, in, conv, nil); res.Outcome != OutcomeStreamError || res.Rejoins != 0 {
		t.Errorf("without rejoin: outcome %s, rejoins %d; want stream_error", res.Outcome, res.Rejoins)
	}
}

func TestRecovery_RetriesARefusalOnTheNextURL(t *testing.T) {
	t.Parallel()
	live, _ := agentdServer(t)
	draining, mgr := agentdServer(t)
	mgr.Drain(context.Background()) // answers runs with 503 and Retry-After
	closed := httptest.NewServer(http.NotFoundHandler())
	refused := closed.URL + "/"
	closed.Close()
	for _, c := range []struct {
		name string
		urls []string
	}{{"503 from a draining instance", []string{draining, live}}, {"connection refused", []string{refused, live}}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tc := &turnClient{http: newClient(1), urls: c.urls, timeout: 10 * time.Second, retry: 3}
			in, conv := testInput()
			if res := tc.turn(context.Background(), 0, in, conv, nil); res.Outcome != OutcomeOK || res.Retries != 1 || res.Status != 200 {
				t.Errorf("outcome %s (%s), retries %d, status %d; want ok after one retry", res.Outcome, res.Detail, res.Retries, res.Status)
			}
			tc.retry = 0
			in, conv = testInput()
			if res := tc.turn(context.Background(), 0, in, conv, nil); res.Outcome == OutcomeOK || res.Retries != 0 {
				t.Errorf("without retry: outcome %s, retries %d; want the refusal", res.Outcome, res.Retries)
			}
		})
	}
}

func TestRecovery_RetriesAreBounded(t *testing.T) {
	t.Parallel()
	var posts atomic.Int64
	url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		w.Header().Set("Retry-After", "0")
		http.Error(w, `{"error":{"code":"overloaded","message":"busy"}}`, http.StatusServiceUnavailable)
	})
	tc := &turnClient{http: newClient(1), urls: []string{url, url}, timeout: 5 * time.Second, retry: 3, rejoin: 3}
	in, conv := testInput()
	res := tc.turn(context.Background(), 0, in, conv, nil)
	if res.Outcome != Outcome503 || !res.RetryAfter || res.Retries != 3 || posts.Load() != 4 || res.Silent {
		t.Errorf("outcome %s, retry-after %v, retries %d, posts %d, silent %v; want 503 after 3 retries (4 posts)",
			res.Outcome, res.RetryAfter, res.Retries, posts.Load(), res.Silent)
	}
}

// rejoinServer answers the run with the first events, numbered, and then
// drops the stream; a rejoin gets what rejoin writes.
func rejoinServer(t *testing.T, first int, rejoin func(w http.ResponseWriter, in *agui.RunAgentInput, after string)) string {
	var in *agui.RunAgentInput
	var evs []agui.Event
	return serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			in = readInput(t, r)
			evs = textRun(in, "m1", "a", "b", "c")
			startSSE(w)
			sendFrom(t, w, 1, evs[:first]...)
			return
		}
		if !strings.HasSuffix(r.URL.Path, "/runs/"+in.RunID+"/events") {
			t.Errorf("rejoin at %s", r.URL.Path)
		}
		startSSE(w)
		rejoin(w, in, r.Header.Get("Last-Event-ID"))
	})
}

// sendFrom writes events numbered from seq on.
func sendFrom(t *testing.T, w http.ResponseWriter, seq int64, evs ...agui.Event) {
	t.Helper()
	var buf []byte
	for i := range evs {
		var err error
		if buf, err = agui.AppendFrame(buf, seq+int64(i), &evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	w.Write(buf)
	w.(http.Flusher).Flush()
}

func TestRecovery_RejoinChecksTheStream(t *testing.T) {
	t.Parallel()
	full := func(in *agui.RunAgentInput) []agui.Event { return textRun(in, "m1", "a", "b", "c") }
	cases := []struct {
		name    string
		rejoin  func(t *testing.T, w http.ResponseWriter, in *agui.RunAgentInput, after string)
		outcome string
		silent  bool
		rejoins int
	}{
		{name: "continues after Last-Event-ID", outcome: OutcomeOK, rejoins: 1,
			rejoin: func(t *testing.T, w http.ResponseWriter, in *agui.RunAgentInput, after string) {
				if after != "3" {
					t.Errorf("Last-Event-ID %q, want 3", after)
				}
				sendFrom(t, w, 4, full(in)[3:]...)
			}},
		{name: "a repeated event", outcome: OutcomeProtocolError, rejoins: 1,
			rejoin: func(t *testing.T, w http.ResponseWriter, in *agui.RunAgentInput, _ string) {
				sendFrom(t, w, 3, full(in)[2:]...)
			}},
		{name: "a gap", outcome: OutcomeProtocolError, rejoins: 1,
			rejoin: func(t *testing.T, w http.ResponseWriter, in *agui.RunAgentInput, _ string) {
				sendFrom(t, w, 5, full(in)[4:]...)
			}},
		{name: "a stream-only RUN_ERROR is rejoined, then the run's end", outcome: "run_error:instance_lost", rejoins: 2,
			rejoin: func() func(*testing.T, http.ResponseWriter, *agui.RunAgentInput, string) {
				var n atomic.Int64
				return func(t *testing.T, w http.ResponseWriter, in *agui.RunAgentInput, _ string) {
					if n.Add(1) == 1 {
						send(t, w, agui.Event{Type: agui.RunError, Code: "stream_error", Message: "draining"})
						return
					}
					sendFrom(t, w, 4, agui.Event{Type: agui.RunError, Code: "instance_lost", Message: "gone"})
				}
			}()},
		{name: "drops every time: bounded, silent", outcome: OutcomeProtocolError, silent: true, rejoins: 3,
			rejoin: func(*testing.T, http.ResponseWriter, *agui.RunAgentInput, string) {}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			url := rejoinServer(t, 3, func(w http.ResponseWriter, in *agui.RunAgentInput, after string) { c.rejoin(t, w, in, after) })
			tc := &turnClient{http: newClient(1), urls: []string{url}, timeout: 5 * time.Second, rejoin: 3}
			in, conv := testInput()
			res := tc.turn(context.Background(), 0, in, conv, nil)
			if res.Outcome != c.outcome || res.Silent != c.silent || res.Rejoins != c.rejoins {
				t.Errorf("outcome %s (%s), silent %v, rejoins %d; want %s, %v, %d",
					res.Outcome, res.Detail, res.Silent, res.Rejoins, c.outcome, c.silent, c.rejoins)
			}
			if c.outcome == OutcomeOK && jsonText(conv.msgs[1].Content) != "abc" {
				t.Errorf("client folded %q, want abc", jsonText(conv.msgs[1].Content))
			}
		})
	}
}

func TestRun_VerifyReadsEveryThreadBack(t *testing.T) {
	t.Parallel()
	base, _ := agentdServer(t)
	cfg := Config{URLs: []string{base}, Users: 4, Turns: 3, ThinkTime: 10 * time.Millisecond, History: HistoryNew,
		TurnTimeout: 10 * time.Second, Duration: time.Minute, Verify: true, Retry: 1, Rejoin: 1}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	v := res.Verify
	if res.Outcomes[OutcomeOK] != 12 || v == nil || v.Threads != 4 || v.Turns != 12 || v.Lost != 0 || v.Unreadable != 0 ||
		res.Recovery.OKFirstTry != 12 {
		t.Fatalf("outcomes %v, recovery %+v, verify %+v", res.Outcomes, res.Recovery, v)
	}
	var first int64
	for _, s := range res.Series {
		first += s.Recovered.OKFirstTry
	}
	if first != 12 {
		t.Errorf("the series count %d ok turns at the first try, want 12", first)
	}
	if !strings.Contains(res.Summary(), "verified 12 finished turns in 4 threads: 0 lost") {
		t.Errorf("summary lacks the verification:\n%s", res.Summary())
	}

	// A store that forgets a thread's last message is caught.
	target, _ := url.Parse(base)
	forgetful := serve(t, func(w http.ResponseWriter, r *http.Request) {
		r.URL.Scheme, r.URL.Host = target.Scheme, target.Host
		r.RequestURI = ""
		resp, err := http.DefaultTransport.RoundTrip(r.WithContext(r.Context()))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/threads/") {
			var th map[string]json.RawMessage
			json.NewDecoder(resp.Body).Decode(&th)
			var msgs []json.RawMessage
			json.Unmarshal(th["messages"], &msgs)
			th["messages"], _ = json.Marshal(msgs[:len(msgs)-1])
			json.NewEncoder(w).Encode(th)
			return
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		copyFlushing(w, resp.Body)
	})
	cfg.URLs, cfg.Users = []string{forgetful}, 2
	res, err = Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if v := res.Verify; v == nil || v.Lost != 2 || v.Turns != 6 || len(v.Samples) != 2 {
		t.Errorf("verify %+v, want each thread's last turn lost", v)
	}
}

// copyFlushing copies an SSE stream through, flushing as it goes.
func copyFlushing(w http.ResponseWriter, r io.Reader) {
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		w.Write(buf[:n])
		w.(http.Flusher).Flush()
		if err != nil {
			return
		}
	}
}
