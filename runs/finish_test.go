package runs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/llm/sim"
	"github.com/agentd/agentd/runs"
	"github.com/agentd/agentd/store/postgres"
)

// A run whose end cannot be written because the database is briefly out
// of reach retries, and once it is back records its end and its answer and
// frees the thread: the next turn is not refused.
func TestFinishRetriesThroughABriefStoreOutage(t *testing.T) {
	u, err := url.Parse(testenv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewProxy(t, u.Host)
	u.Host = proxy.Addr
	st, err := postgres.Open(t.Context(), u.String(), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	retries := &retryWatch{twice: make(chan struct{})}
	m := newManager(t, runs.Config{Store: st, Logger: slog.New(retries),
		Model: sim.New(sim.Config{TokensPerSecond: 20, ReplyTokens: 10})}) // half a second

	in := &agui.RunAgentInput{ThreadID: "t", RunID: "r1", State: json.RawMessage(`{}`),
		Messages: []agui.Message{{ID: "u1", Role: "user", Content: agui.TextContent("hi")}}}
	r, err := m.Start(t.Context(), runs.Request{Agent: "a", User: agentd.LocalUser, Input: in})
	if err != nil {
		t.Fatal(err)
	}
	proxy.Cut() // before the reply ends
	select {
	case <-retries.twice:
	case <-time.After(30 * time.Second):
		t.Fatal("the run did not retry recording its end")
	}
	if r.Done() {
		t.Fatal("the run ended while its end could not be written")
	}
	proxy.Restore()
	select {
	case <-r.Wait():
	case <-time.After(30 * time.Second):
		t.Fatal("the run did not end after the database came back")
	}
	frames, _, _, err := r.Log.Next(t.Context(), 0, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(frames, []byte(`"RUN_FINISHED"`)) {
		t.Fatalf("the run did not finish:\n%s", frames[max(0, len(frames)-300):])
	}
	rec, err := st.GetRun(t.Context(), "r1")
	if err != nil || rec.Status != agentd.RunSucceeded {
		t.Fatalf("stored run: %+v, %v", rec, err)
	}
	th, err := st.GetThread(t.Context(), agentd.LocalUser, "t")
	if err != nil || len(th.Messages) != 2 {
		t.Fatalf("stored thread: %d messages, %v; want the question and the answer", len(th.Messages), err)
	}
	in2 := &agui.RunAgentInput{ThreadID: "t", RunID: "r2", State: json.RawMessage(`{}`),
		Messages: append(th.Messages, agui.Message{ID: "u2", Role: "user", Content: agui.TextContent("again")})}
	if _, err := m.Start(t.Context(), runs.Request{Agent: "a", User: agentd.LocalUser, Input: in2}); err != nil {
		t.Fatalf("the next turn: %v", err)
	}
}

// retryWatch is a log handler that closes twice once a run has failed to
// record its end a second time.
type retryWatch struct {
	twice chan struct{}
	n     atomic.Int32
}

func (w *retryWatch) Enabled(context.Context, slog.Level) bool { return true }
func (w *retryWatch) WithAttrs([]slog.Attr) slog.Handler       { return w }
func (w *retryWatch) WithGroup(string) slog.Handler            { return w }

func (w *retryWatch) Handle(_ context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, "recording the run's end failed") && w.n.Add(1) == 2 {
		close(w.twice)
	}
	return nil
}
