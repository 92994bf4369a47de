package loadgen

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/agentd/agentd/agui"
)

// serve starts h on 127.0.0.1 for the test.
func serve(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

// readInput decodes the run request the way a server would.
func readInput(t *testing.T, r *http.Request) *agui.RunAgentInput {
	t.Helper()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("reading request: %v", err)
		return nil
	}
	in, err := agui.ParseInput(body, agui.Limits{})
	if err != nil {
		t.Errorf("server rejected loadgen's request: %v\n%s", err, body)
		return nil
	}
	if r.Header.Get("Accept") != agui.ContentType || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request headers: Accept %q, Content-Type %q", r.Header.Get("Accept"), r.Header.Get("Content-Type"))
	}
	return in
}

// startSSE sends the stream's headers.
func startSSE(w http.ResponseWriter) {
	w.Header().Set("Content-Type", agui.ContentType)
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
}

// send writes events as SSE frames and flushes.
func send(t *testing.T, w http.ResponseWriter, evs ...agui.Event) {
	t.Helper()
	var buf []byte
	for i := range evs {
		var err error
		if buf, err = agui.AppendFrame(buf, 0, &evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	w.Write(buf)
	w.(http.Flusher).Flush()
}

// textRun is a complete run that answers with the given text pieces.
func textRun(in *agui.RunAgentInput, msgID string, pieces ...string) []agui.Event {
	evs := []agui.Event{
		{Type: agui.RunStarted, ThreadID: in.ThreadID, RunID: in.RunID},
		{Type: agui.TextMessageStart, MessageID: msgID, Role: agui.RoleAssistant},
	}
	for _, p := range pieces {
		evs = append(evs, agui.Event{Type: agui.TextMessageContent, MessageID: msgID, Delta: p})
	}
	return append(evs,
		agui.Event{Type: agui.TextMessageEnd, MessageID: msgID},
		agui.Event{Type: agui.RunFinished, ThreadID: in.ThreadID, RunID: in.RunID})
}

func jsonText(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// testInput is a one-message run request.
func testInput() (*agui.RunAgentInput, *conversation) {
	conv := newConversation(newID("thread"))
	conv.add(agui.Message{ID: newID("msg"), Role: agui.RoleUser, Content: agui.TextContent("hi")})
	return &agui.RunAgentInput{ThreadID: conv.threadID, RunID: newID("run"), Messages: conv.outgoing(HistoryFull),
		State: emptyObject, ForwardedProps: emptyObject}, conv
}

// turn sends one turn to target, without retries or rejoins.
func turn(ctx context.Context, client *http.Client, target string, header http.Header,
	in *agui.RunAgentInput, conv *conversation, timeout time.Duration) TurnResult {
	c := &turnClient{http: client, header: header, urls: []string{target}, timeout: timeout}
	return c.turn(ctx, 0, in, conv, nil)
}
