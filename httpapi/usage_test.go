package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/fakellm"
	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/anthropic"
	"github.com/agentd/agentd/llm/llmtest"
	"github.com/agentd/agentd/llm/openai"
	"github.com/agentd/agentd/llm/sim"
)

// usageTap serves fakellm and sums the usage its responses report, read
// off the wire, so the test knows what agentd should have stored without
// trusting agentd's own parsing. A chunk is counted before it is passed
// on, so the sum is complete once agentd has read the response.
type usageTap struct {
	h     http.Handler
	mu    sync.Mutex
	total agentd.Usage
}

type tapWriter struct {
	http.ResponseWriter
	tap  *usageTap
	line []byte // the unfinished line so far
}

func (w *tapWriter) Write(b []byte) (int, error) {
	w.line = append(w.line, b...)
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			break
		}
		w.tap.count(string(w.line[:i]))
		w.line = w.line[i+1:]
	}
	return w.ResponseWriter.Write(b)
}

func (w *tapWriter) Flush() { w.ResponseWriter.(http.Flusher).Flush() }

func (u *usageTap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.h.ServeHTTP(&tapWriter{ResponseWriter: w, tap: u}, r)
}

// count adds the usage of one SSE line, if it reports some.
func (u *usageTap) count(line string) {
	data, ok := strings.CutPrefix(line, "data: ")
	if !ok {
		return
	}
	var c struct {
		Usage *struct {
			Prompt     int64 `json:"prompt_tokens"`
			Completion int64 `json:"completion_tokens"`
			Details    struct {
				Cached int64 `json:"cached_tokens"`
			} `json:"prompt_tokens_details"`
		} `json:"usage"`
	}
	if json.Unmarshal([]byte(data), &c) == nil && c.Usage != nil {
		u.mu.Lock()
		u.total = u.total.Add(agentd.Usage{InputTokens: c.Usage.Prompt, OutputTokens: c.Usage.Completion, CachedInputTokens: c.Usage.Details.Cached})
		u.mu.Unlock()
	}
}

func (u *usageTap) sum() agentd.Usage {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.total
}

// threadRuns reads the runs of GET /threads/{id}.
func (b *bundle) threadRuns(user, id string) []struct {
	RunID  string       `json:"runId"`
	Status string       `json:"status"`
	Usage  agentd.Usage `json:"usage"`
} {
	b.t.Helper()
	res := b.do("GET", "/threads/"+id, "", nil, as(user))
	if res.status != 200 {
		b.t.Fatalf("GET thread: %d %s", res.status, res.body)
	}
	var body struct {
		Runs []struct {
			RunID  string       `json:"runId"`
			Status string       `json:"status"`
			Usage  agentd.Usage `json:"usage"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil {
		b.t.Fatal(err)
	}
	return body.Runs
}

// tokens reads agentd_model_tokens_total of every kind.
func (b *bundle) tokens(agent, model string) agentd.Usage {
	b.t.Helper()
	get := func(kind string) int64 {
		return int64(b.metric("agentd_model_tokens_total", fmt.Sprintf(`{agent=%q,kind=%q,model=%q}`, agent, kind, model)))
	}
	return agentd.Usage{InputTokens: get("input"), OutputTokens: get("output"), CachedInputTokens: get("cached_input")}
}

// TestUsage_StoredAndCounted runs turns through the real providers, against
// agentd fakellm (OpenAI format) and the Anthropic wire-format server, on
// both stores: each run's usage, as the model server reported it, is in
// GET /threads/{id}, oldest run first, and the token counter moves by the
// same amounts.
func TestUsage_StoredAndCounted(t *testing.T) {
	for name, open := range ownershipStores {
		t.Run(name+"/fakellm", func(t *testing.T) {
			t.Parallel()
			tap := &usageTap{h: fakellm.New(fakellm.Config{ReplyTokens: 6})}
			srv := httptest.NewServer(tap)
			t.Cleanup(srv.Close)
			model, err := openai.New(openai.Config{BaseURL: srv.URL + "/v1", Model: "gpt-test"})
			if err != nil {
				t.Fatal(err)
			}
			b := setup(t, options{store: open(t), model: model})
			thread := newID("t")
			var history []agui.Message
			var want []agentd.Usage
			// The third turn calls the server tool: two model calls in one run.
			for _, text := range []string{"hello there", "tell me more", "please bump_counter now"} {
				before, counted := tap.sum(), b.tokens("sample_agent", "gpt-test")
				history = append(history, userMsg(text))
				in := input(thread, history...)
				res := b.postAs("alice", "/", in)
				res.mustFinish(t, in)
				msgs := b.threadAs("alice", thread)
				history = msgs
				spent := tap.sum()
				spent = agentd.Usage{InputTokens: spent.InputTokens - before.InputTokens, OutputTokens: spent.OutputTokens - before.OutputTokens,
					CachedInputTokens: spent.CachedInputTokens - before.CachedInputTokens}
				want = append(want, spent)
				now := b.tokens("sample_agent", "gpt-test")
				if moved := (agentd.Usage{InputTokens: now.InputTokens - counted.InputTokens, OutputTokens: now.OutputTokens - counted.OutputTokens,
					CachedInputTokens: now.CachedInputTokens - counted.CachedInputTokens}); moved != spent {
					t.Errorf("turn %q: the counter moved by %+v, the model reported %+v", text, moved, spent)
				}
			}
			if want[0].InputTokens == 0 || want[0].OutputTokens == 0 || want[0].CachedInputTokens != 0 {
				t.Errorf("first turn's usage %+v: want input and output, nothing cached", want[0])
			}
			if want[1].CachedInputTokens == 0 || want[1].CachedInputTokens >= want[1].InputTokens {
				t.Errorf("second turn's usage %+v: want part of its input cached (the first turn's prompt)", want[1])
			}
			checkRuns(t, b.threadRuns("alice", thread), want)
		})
		t.Run(name+"/anthropic", func(t *testing.T) {
			t.Parallel()
			want := []agentd.Usage{{InputTokens: 120, OutputTokens: 7, CachedInputTokens: 0}, {InputTokens: 180, OutputTokens: 9, CachedInputTokens: 115}}
			srv := llmtest.NewAnthropic(t,
				llmtest.Reply{Chunks: llmtest.Text("Hi ", "there"), Usage: &llm.Usage{InputTokens: 120, OutputTokens: 7}},
				llmtest.Reply{Chunks: llmtest.Text("Again"), Usage: &llm.Usage{InputTokens: 180, OutputTokens: 9, CachedInputTokens: 115}})
			model, err := anthropic.New(anthropic.Config{APIKey: "test-key", BaseURL: srv.URL, Model: "claude-test"})
			if err != nil {
				t.Fatal(err)
			}
			b := setup(t, options{store: open(t), model: model})
			thread := newID("t")
			first := input(thread, userMsg("hello"))
			b.postAs("alice", "/", first).mustFinish(t, first)
			second := input(thread, append(b.threadAs("alice", thread), userMsg("again"))...)
			b.postAs("alice", "/", second).mustFinish(t, second)
			runs := b.threadRuns("alice", thread)
			checkRuns(t, runs, want)
			if runs[0].RunID != first.RunID || runs[1].RunID != second.RunID {
				t.Errorf("runs %+v, want %s then %s", runs, first.RunID, second.RunID)
			}
			if got, sum := b.tokens("sample_agent", "claude-test"), want[0].Add(want[1]); got != sum {
				t.Errorf("token counter %+v, want %+v", got, sum)
			}
		})
	}
}

func checkRuns(t *testing.T, runs []struct {
	RunID  string       `json:"runId"`
	Status string       `json:"status"`
	Usage  agentd.Usage `json:"usage"`
}, want []agentd.Usage) {
	t.Helper()
	if len(runs) != len(want) {
		t.Fatalf("GET /threads/{id} lists %d runs, want %d: %+v", len(runs), len(want), runs)
	}
	for i, r := range runs {
		if r.Status != string(agentd.RunSucceeded) || r.Usage != want[i] {
			t.Errorf("run %d: %s with usage %+v, want succeeded with %+v", i, r.Status, r.Usage, want[i])
		}
	}
}

// TestQuota_UserTokensPerDay: a run that crosses the budget finishes; the
// user's next run, on any instance sharing the store, is refused with 429
// token_quota and a Retry-After until the UTC day ends, writing nothing;
// another user runs on.
func TestQuota_UserTokensPerDay(t *testing.T) {
	for name, open := range ownershipStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st := open(t)
			// sim counts words as tokens: a 40-word reply alone crosses 30.
			o := options{store: st, model: sim.New(sim.Config{ReplyTokens: 40}), tokensPerDay: 30}
			a, other := setup(t, o), setup(t, o)
			thread := newID("t")
			crossing := input(thread, userMsg("hello"))
			a.postAs("alice", "/", crossing).mustFinish(t, crossing)
			if u := a.threadRuns("alice", thread)[0].Usage; u.Total() <= 30 {
				t.Fatalf("the first run used %+v, under the budget: the test proves nothing", u)
			}
			for i, b := range []*bundle{a, other} {
				fresh := newID("t")
				res := b.postAs("alice", "/", input(fresh, userMsg("one more")))
				wantError(t, fmt.Sprintf("instance %d: alice over her budget", i), res, http.StatusTooManyRequests, agentd.CodeTokenQuota, "token budget")
				retry, err := strconv.Atoi(res.header.Get("Retry-After"))
				y, m, d := time.Now().UTC().Date()
				untilMidnight := time.Until(time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)).Seconds()
				if err != nil || float64(retry) < untilMidnight-5 || float64(retry) > untilMidnight+5 {
					t.Errorf("instance %d: Retry-After %q, want about %.0f (the end of the UTC day)", i, res.header.Get("Retry-After"), untilMidnight)
				}
				if res := b.do("GET", "/threads/"+fresh, "", nil, as("alice")); res.status != http.StatusNotFound {
					t.Errorf("instance %d: the refused run created its thread: %d %s", i, res.status, res.body)
				}
				if n := b.metric("agentd_runs_rejected_total", `reason="token_quota"`); n != 1 {
					t.Errorf("instance %d: agentd_runs_rejected_total{reason=\"token_quota\"} = %v, want 1", i, n)
				}
			}
			bob := input(newID("t"), userMsg("hi"))
			other.postAs("bob", "/", bob).mustFinish(t, bob)
		})
	}
}

// gatedModel is sim, except that its second call waits for open.
type gatedModel struct {
	llm.Provider
	calls atomic.Int64
	open  chan struct{}
}

func (g *gatedModel) Stream(ctx context.Context, req *llm.Request, emit func(llm.Delta) error) error {
	if g.calls.Add(1) == 2 {
		select {
		case <-g.open:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return g.Provider.Stream(ctx, req, emit)
}

// TestUsage_StoredPerStep: a run's usage is committed with each step, so
// while its second model call is in flight the store already holds the
// first call's tokens (a crash then loses only the step in flight), and the
// run's end adds the second's.
func TestUsage_StoredPerStep(t *testing.T) {
	t.Parallel()
	g := &gatedModel{Provider: sim.New(sim.Config{}), open: make(chan struct{})}
	b := setup(t, options{model: g})
	in := input(newID("t"), userMsg("please bump_counter"))
	done := make(chan *result)
	go func() { done <- b.postAs("alice", "/", in) }()
	var mid agentd.Run
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if r, err := b.store.GetRun(context.Background(), in.RunID); err == nil && r.Usage != (agentd.Usage{}) {
			mid = r
			break
		}
	}
	if mid.Status != agentd.RunRunning || mid.Usage.InputTokens == 0 || mid.Usage.OutputTokens == 0 {
		t.Fatalf("while the second call waits, the stored run is %+v: want it running with the first call's usage", mid)
	}
	close(g.open)
	(<-done).mustFinish(t, in)
	end := b.threadRuns("alice", in.ThreadID)[0].Usage
	if end.InputTokens <= mid.Usage.InputTokens || end.OutputTokens <= mid.Usage.OutputTokens {
		t.Errorf("usage at the end %+v, want more than after the first step %+v", end, mid.Usage)
	}
	if got := b.tokens("sample_agent", "sim"); got != end {
		t.Errorf("token counter %+v, stored %+v", got, end)
	}
}
