package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm/sim"
)

// slowModel streams 40 words at 100 per second: a run of about 0.4 s.
func slowModel() options {
	return options{model: sim.New(sim.Config{TokensPerSecond: 100, ReplyTokens: 40})}
}

func TestRun_SecondRunOnBusyThreadGets409(t *testing.T) {
	t.Parallel()
	b := setup(t, slowModel())
	thread := newID("t")
	first := input(thread, userMsg("one"))
	done := make(chan *result)
	go func() { done <- b.post("/", first) }()
	waitRunning(t, b, first.RunID)
	second := input(thread, userMsg("two"))
	res := b.post("/", second)
	if res.status != http.StatusConflict || !strings.Contains(string(res.body), "already has a run") {
		t.Logf("events: %+v", res.events)
		t.Fatalf("second run: %d %s", res.status, res.body)
	}
	(<-done).mustFinish(t, first)
	// Once the first is over the thread takes runs again.
	third := input(thread, userMsg("three"))
	b.post("/", third).mustFinish(t, third)
}

func TestRun_OutlivesDisconnectAndRejoinsWithoutGapOrDuplicate(t *testing.T) {
	t.Parallel()
	b := setup(t, slowModel())
	in := input(newID("t"), userMsg("a long answer please"))
	body, _ := json.Marshal(in)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", b.url+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	// Read a few events, remember the last id, then hang up.
	sc := bufio.NewScanner(resp.Body)
	lastID, seen := 0, 0
	for seen < 5 && sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
			lastID, _ = strconv.Atoi(v)
			seen++
		}
	}
	cancel()
	resp.Body.Close()
	if lastID != 5 {
		t.Fatalf("read up to id %d", lastID)
	}
	rejoin := b.do("GET", "/runs/"+in.RunID+"/events", "", nil, http.Header{"Last-Event-Id": {strconv.Itoa(lastID)}})
	if rejoin.status != 200 {
		t.Fatalf("rejoin: %d %s", rejoin.status, rejoin.body)
	}
	for i, id := range rejoin.ids {
		if id != strconv.Itoa(lastID+1+i) {
			t.Fatalf("rejoined ids %v: want a gapless sequence from %d", rejoin.ids, lastID+1)
		}
	}
	if rejoin.last().Type != agui.RunFinished {
		t.Fatalf("rejoined stream ends with %s", rejoin.last().Type)
	}
	// The whole log replayed equals the original run, and it was stored.
	full := b.do("GET", "/runs/"+in.RunID+"/events", "", nil, nil)
	if len(full.events) != lastID+len(rejoin.events) {
		t.Errorf("full replay has %d events, want %d", len(full.events), lastID+len(rejoin.events))
	}
	msgs, _ := b.thread(in.ThreadID)
	if len(msgs) != 2 || !strings.Contains(msgs[1].Text(), "I heard") {
		t.Errorf("stored %+v", msgs)
	}
}

func TestRun_CancelEndsWithRunError(t *testing.T) {
	t.Parallel()
	b := setup(t, options{model: sim.New(sim.Config{TokensPerSecond: 20, ReplyTokens: 200})})
	in := input(newID("t"), userMsg("talk for a while"))
	done := make(chan *result)
	go func() { done <- b.post("/", in) }()
	waitRunning(t, b, in.RunID)
	if r := b.do("POST", "/runs/"+in.RunID+"/cancel", "", nil, nil); r.status != http.StatusAccepted {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	res := <-done
	if last := res.last(); last.Type != agui.RunError || last.Code != "cancelled" {
		t.Fatalf("last event %+v", last)
	}
	// The thread keeps the user's message and takes the next run.
	msgs, _ := b.thread(in.ThreadID)
	if len(msgs) != 1 {
		t.Errorf("stored %d messages, want the user's only", len(msgs))
	}
}

func TestRun_QuietStreamGetsHeartbeats(t *testing.T) {
	t.Parallel()
	b := setup(t, options{model: sim.New(sim.Config{FirstToken: 700 * time.Millisecond})})
	in := input(newID("t"), userMsg("hi"))
	body, _ := json.Marshal(in)
	resp, err := http.Post(b.url+"/", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw bytes.Buffer
	if _, err := raw.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(raw.String(), ": keep-alive\n\n") {
		t.Errorf("no heartbeat in a stream quiet for 700ms (heartbeat 200ms)")
	}
}

func waitRunning(t *testing.T, b *bundle, runID string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if r, ok := b.runs.Get(runID); ok && r.Log.Len() > 1 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("run %s never started", runID)
}
