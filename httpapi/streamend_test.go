package httpapi_test

import (
	"bufio"
	"net/http"
	neturl "net/url"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/coord"
	rediscoord "github.com/agentd/agentd/coord/redis"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/store"
)

// A client that rejoins from a finished run's last event gets the run's
// end again (without an id), not an empty stream.
func TestRejoinFromTheLastEventGetsTheRunsEnd(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	in := input(newID("t"), userMsg("hi"))
	run := b.post("/", in)
	run.mustFinish(t, in)
	last := run.ids[len(run.ids)-1]
	rejoin := b.do("GET", "/runs/"+in.RunID+"/events", "", nil, http.Header{"Last-Event-Id": {last}})
	if rejoin.status != 200 || len(rejoin.events) != 1 || len(rejoin.ids) != 0 {
		t.Fatalf("rejoin after %s: %d, events %+v, ids %v; want the end alone without an id", last, rejoin.status, rejoin.events, rejoin.ids)
	}
	if end := rejoin.last(); end.Type != agui.RunFinished || end.RunID != in.RunID {
		t.Fatalf("rejoin ends with %+v, want the run's RUN_FINISHED", end)
	}
	if v := b.metric("agentd_streams_ended_total", `reason="run_ended"`); v != 2 {
		t.Errorf("streams ended with the run's end: %v, want 2", v)
	}
}

// A rejoin following a run of another instance whose shared log becomes
// unreachable ends with RUN_ERROR event_log_unavailable, without an id,
// and is counted.
func TestStreamEndsWithRunErrorWhenTheEventLogFails(t *testing.T) {
	t.Parallel()
	url, prefix := testenv.Redis(t)
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewProxy(t, u.Host)
	u.Host = proxy.Addr
	events, err := rediscoord.Open(t.Context(), u.String(), rediscoord.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { events.Close() })
	b := setup(t, options{events: events})
	// A run of a live instance (its lease holds) with two events published.
	now := time.Now()
	if _, _, err := b.store.StartRun(t.Context(), store.StartRun{RunID: "elsewhere", ThreadID: newID("t"), Agent: "sample_agent", User: agentd.LocalUser,
		Owner: "other", Now: now, LeaseUntil: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	frames := []coord.Frame{{Seq: 1, Data: []byte(`{"type":"RUN_STARTED","threadId":"x","runId":"elsewhere"}`)},
		{Seq: 2, Data: []byte(`{"type":"TEXT_MESSAGE_START","messageId":"m","role":"assistant"}`)}}
	if err := events.Append(t.Context(), "elsewhere", frames, false); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", b.url+"/runs/elsewhere/events", nil)
	req.Header.Set("Last-Event-ID", "2")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body := bufio.NewReader(resp.Body)
	for {
		line, err := body.ReadString('\n')
		if err != nil {
			t.Fatalf("the stream ended before its first heartbeat: %v", err)
		}
		if line == ": keep-alive\n" {
			break
		}
	}
	proxy.Cut() // the stream is following the log: take Redis away
	got, ids := readSSE(t, body, false)
	if len(got) != 1 || len(ids) != 0 || got[0].Type != agui.RunError || got[0].Code != "event_log_unavailable" {
		t.Fatalf("events %+v, ids %v: want RUN_ERROR event_log_unavailable alone, without an id", got, ids)
	}
	if v := b.metric("agentd_streams_ended_total", `reason="event_log_unavailable"`); v != 1 {
		t.Errorf("streams ended by the event log: %v, want 1", v)
	}
}
