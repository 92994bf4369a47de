package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/agui"
)

func TestTurn_Classification(t *testing.T) {
	t.Parallel()
	reject := func(status int, retryAfter string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			http.Error(w, `{"error":"busy"}`, status)
		}
	}
	stream := func(script func(t *testing.T, w http.ResponseWriter, r *http.Request, in *agui.RunAgentInput)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			in := readInput(t, r)
			if in == nil {
				http.Error(w, "bad input", 422)
				return
			}
			startSSE(w)
			script(t, w, r, in)
		}
	}
	cases := []struct {
		name       string
		h          http.HandlerFunc
		outcome    string
		silent     bool
		retryAfter bool
		status     int
		firstEvent bool
	}{
		{name: "good stream", outcome: OutcomeOK, status: 200, firstEvent: true,
			h: stream(func(t *testing.T, w http.ResponseWriter, _ *http.Request, in *agui.RunAgentInput) {
				send(t, w, textRun(in, "m1", "Hello", " world")...)
			})},
		{name: "comments, ids and event names are ignored", outcome: OutcomeOK, status: 200, firstEvent: true,
			h: stream(func(t *testing.T, w http.ResponseWriter, _ *http.Request, in *agui.RunAgentInput) {
				w.Write(agui.Heartbeat)
				w.Write([]byte("id: 7\nevent: message\nretry: 100\n"))
				send(t, w, textRun(in, "m1", "x")...)
				w.Write(agui.Heartbeat)
			})},
		{name: "429 with Retry-After", h: reject(429, "2"), outcome: Outcome429, retryAfter: true, status: 429},
		{name: "429 without Retry-After", h: reject(429, ""), outcome: Outcome429, status: 429},
		{name: "503 with Retry-After", h: reject(503, "1"), outcome: Outcome503, retryAfter: true, status: 503},
		{name: "409", h: reject(409, ""), outcome: Outcome409, status: 409},
		{name: "500", h: reject(500, ""), outcome: OutcomeHTTPOther, status: 500},
		{name: "redirect is not followed", outcome: OutcomeHTTPOther, status: 302,
			h: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://127.0.0.1:1/", http.StatusFound)
			}},
		{name: "out-of-order event", outcome: OutcomeProtocolError, status: 200, firstEvent: true,
			h: stream(func(t *testing.T, w http.ResponseWriter, _ *http.Request, in *agui.RunAgentInput) {
				send(t, w, agui.Event{Type: agui.RunStarted, ThreadID: in.ThreadID, RunID: in.RunID},
					agui.Event{Type: agui.TextMessageContent, MessageID: "m1", Delta: "too early"})
				send(t, w, textRun(in, "m1", "x")[1:]...)
			})},
		{name: "event after RUN_FINISHED", outcome: OutcomeProtocolError, status: 200, firstEvent: true,
			h: stream(func(t *testing.T, w http.ResponseWriter, _ *http.Request, in *agui.RunAgentInput) {
				send(t, w, textRun(in, "m1", "x")...)
				send(t, w, agui.Event{Type: agui.Custom, Name: "late"})
			})},
		{name: "ends without RUN_FINISHED", outcome: OutcomeProtocolError, silent: true, status: 200, firstEvent: true,
			h: stream(func(t *testing.T, w http.ResponseWriter, _ *http.Request, in *agui.RunAgentInput) {
				evs := textRun(in, "m1", "x")
				send(t, w, evs[:len(evs)-1]...)
			})},
		{name: "empty 200 body", outcome: OutcomeProtocolError, silent: true, status: 200,
			h: stream(func(*testing.T, http.ResponseWriter, *http.Request, *agui.RunAgentInput) {})},
		{name: "frame is not JSON", outcome: OutcomeProtocolError, status: 200,
			h: stream(func(t *testing.T, w http.ResponseWriter, _ *http.Request, _ *agui.RunAgentInput) {
				w.Write([]byte("data: {not json\n\n"))
			})},
		{name: "CRLF framing breaks the stream as in the browser", outcome: OutcomeProtocolError, status: 200,
			h: stream(func(t *testing.T, w http.ResponseWriter, _ *http.Request, in *agui.RunAgentInput) {
				var b strings.Builder
				for _, ev := range textRun(in, "m1", "x") {
					frame, _ := agui.AppendFrame(nil, 0, &ev)
					b.WriteString(strings.ReplaceAll(string(frame), "\n", "\r\n"))
				}
				w.Write([]byte(b.String()))
			})},
		{name: "hangs past the turn timeout", outcome: OutcomeTimeout, silent: true, status: 200, firstEvent: true,
			h: stream(func(t *testing.T, w http.ResponseWriter, r *http.Request, in *agui.RunAgentInput) {
				send(t, w, agui.Event{Type: agui.RunStarted, ThreadID: in.ThreadID, RunID: in.RunID})
				<-r.Context().Done()
			})},
		{name: "hangs before headers", outcome: OutcomeTimeout, silent: true,
			h: func(w http.ResponseWriter, r *http.Request) {
				readInput(t, r) // the server notices a closed connection only once the body is read
				<-r.Context().Done()
			}},
		{name: "connection cut mid-stream", outcome: OutcomeStreamError, status: 200, firstEvent: true,
			h: stream(func(t *testing.T, w http.ResponseWriter, _ *http.Request, in *agui.RunAgentInput) {
				send(t, w, textRun(in, "m1", "x")[:3]...)
				panic(http.ErrAbortHandler)
			})},
		{name: "RUN_ERROR with a code", outcome: "run_error:model_unavailable", status: 200, firstEvent: true,
			h: stream(func(t *testing.T, w http.ResponseWriter, _ *http.Request, in *agui.RunAgentInput) {
				send(t, w, textRun(in, "m1", "x")[:3]...)
				send(t, w, agui.Event{Type: agui.RunError, Message: "upstream down", Code: "model_unavailable"})
			})},
		{name: "RUN_ERROR as the first event, no code", outcome: "run_error:unspecified", status: 200, firstEvent: true,
			h: stream(func(t *testing.T, w http.ResponseWriter, _ *http.Request, _ *agui.RunAgentInput) {
				send(t, w, agui.Event{Type: agui.RunError, Message: "no"})
			})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			url := serve(t, c.h)
			in, conv := testInput()
			res := turn(context.Background(), newClient(1), url, nil, in, conv, 300*time.Millisecond)
			if res.Outcome != c.outcome || res.Silent != c.silent || res.RetryAfter != c.retryAfter || res.Status != c.status {
				t.Errorf("got outcome %q silent %v retryAfter %v status %d (%s); want %q %v %v %d",
					res.Outcome, res.Silent, res.RetryAfter, res.Status, res.Detail, c.outcome, c.silent, c.retryAfter, c.status)
			}
			if (res.FirstEvent > 0) != c.firstEvent {
				t.Errorf("first event at %s, want one: %v", res.FirstEvent, c.firstEvent)
			}
			if res.Total <= 0 || (res.Status != 0 && res.Headers <= 0) {
				t.Errorf("timings: total %s headers %s", res.Total, res.Headers)
			}
			if c.outcome != OutcomeOK && res.Detail == "" && !strings.HasPrefix(c.outcome, runErrorPrefix) {
				t.Errorf("no detail for %s", c.outcome)
			}
		})
	}
}

func TestTurn_Timings(t *testing.T) {
	t.Parallel()
	url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		in := readInput(t, r)
		time.Sleep(20 * time.Millisecond)
		startSSE(w)
		time.Sleep(20 * time.Millisecond)
		evs := textRun(in, "m1", "a", "b")
		send(t, w, evs[:2]...)
		time.Sleep(20 * time.Millisecond)
		send(t, w, evs[2:]...)
	})
	in, conv := testInput()
	res := turn(context.Background(), newClient(1), url, nil, in, conv, time.Second)
	if res.Outcome != OutcomeOK {
		t.Fatalf("outcome %s: %s", res.Outcome, res.Detail)
	}
	// The server cannot send a step before its sleeps are over, so each is
	// a lower bound from the start; gaps between two client-side readings
	// may shrink when the first reading is late, so only the order is
	// asserted between them.
	if !(res.Headers >= 20*time.Millisecond && res.FirstEvent >= 40*time.Millisecond &&
		res.FirstToken >= 60*time.Millisecond && res.Headers <= res.FirstEvent &&
		res.FirstEvent <= res.FirstToken && res.FirstToken <= res.Total) {
		t.Errorf("headers %s, first event %s, first token %s, total %s: want them in order, at least 20, 40 and 60 ms",
			res.Headers, res.FirstEvent, res.FirstToken, res.Total)
	}
}

func TestTurn_ConnectionRefused(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close() // nothing listens there any more
	in, conv := testInput()
	res := turn(context.Background(), newClient(1), url, nil, in, conv, time.Second)
	if res.Outcome != OutcomeStreamError || res.Status != 0 || res.Silent {
		t.Errorf("outcome %s status %d silent %v, want stream_error, no status, not silent", res.Outcome, res.Status, res.Silent)
	}
}

func TestTurn_RunCancelled(t *testing.T) {
	t.Parallel()
	url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		startSSE(w)
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	in, conv := testInput()
	res := turn(ctx, newClient(1), url, nil, in, conv, 5*time.Second)
	if res.Outcome != OutcomeCancelled || res.Silent {
		t.Errorf("outcome %s silent %v, want cancelled and not silent", res.Outcome, res.Silent)
	}
}
