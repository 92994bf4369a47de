package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/agui"
)

// tinyAgent is a minimal AG-UI server: it validates the input, allows one
// run per thread at a time (409 otherwise), and streams a short reply.
func tinyAgent(t *testing.T) string {
	var mu sync.Mutex
	running := map[string]bool{}
	return serve(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		in, err := agui.ParseInput(body, agui.Limits{})
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		mu.Lock()
		busy := running[in.ThreadID]
		running[in.ThreadID] = true
		mu.Unlock()
		if busy {
			http.Error(w, "thread busy", http.StatusConflict)
			return
		}
		defer func() { mu.Lock(); delete(running, in.ThreadID); mu.Unlock() }()
		startSSE(w)
		evs := textRun(in, newID("m"), "The ", "chart ", "shows ", fmt.Sprint(len(in.Messages)))
		for _, ev := range evs {
			send(t, w, ev)
			time.Sleep(2 * time.Millisecond)
		}
	})
}

func TestEndToEnd_RunAndReport(t *testing.T) {
	t.Parallel()
	url := tinyAgent(t)
	cfg := Config{URLs: []string{url}, Users: 20, Turns: 3, RampUp: 100 * time.Millisecond,
		ThinkTime: 20 * time.Millisecond, History: HistoryFull, TurnTimeout: 5 * time.Second,
		Duration: time.Minute, Interval: 50 * time.Millisecond, PID: os.Getpid()}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Turns != 60 || res.Outcomes[OutcomeOK] != 60 || res.Silent != 0 || res.StoppedBy != "completed" {
		t.Fatalf("turns %d, outcomes %v, silent %d, stopped by %s; errors %v", res.Turns, res.Outcomes, res.Silent, res.StoppedBy, res.Errors)
	}
	for _, m := range []string{MetricHeaders, MetricFirstEvent, MetricFirstToken, MetricTurn} {
		p := res.Latency[m]
		if p.Count != 60 || p.P50 <= 0 || p.P50 > p.P99 || p.P99 > p.Max {
			t.Errorf("%s: %+v", m, p)
		}
	}
	if res.Latency[MetricTurn].Min < 10 { // 6 events 2 ms apart
		t.Errorf("turn min %g ms, below the server's pacing", res.Latency[MetricTurn].Min)
	}
	if res.Throughput.TurnsPerSec <= 0 || len(res.Series) < 2 {
		t.Errorf("throughput %+v, %d samples", res.Throughput, len(res.Series))
	}
	var sum int64
	for _, s := range res.Series {
		sum += s.Outcomes[OutcomeOK]
	}
	if sum != 60 {
		t.Errorf("series outcomes add up to %d, want 60", sum)
	}
	if s := res.Server; s == nil || s.Error != "" || s.PeakRSSBytes <= 0 || s.Threads <= 0 {
		t.Errorf("server stats %+v", s)
	}

	var js bytes.Buffer
	if err := res.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Results
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Turns != 60 || back.Latency[MetricTurn].Count != 60 {
		t.Errorf("JSON round trip: %v, %+v", err, back.Latency)
	}

	var page bytes.Buffer
	if err := WriteHTML(&page, res); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	svgs := regexp.MustCompile(`(?s)<svg .*?</svg>`).FindAllString(html, -1)
	if len(svgs) != 7 {
		t.Errorf("%d SVG charts, want 7 (3 latency, users, outcomes, RSS, CPU)", len(svgs))
	}
	for i, svg := range svgs {
		if err := wellFormed(svg); err != nil {
			t.Errorf("chart %d is not well-formed XML: %v", i, err)
		}
		if !strings.Contains(svg, "<polyline") && !strings.Contains(svg, "<rect x=") {
			t.Errorf("chart %d draws nothing", i)
		}
	}
	for _, want := range []string{"Whole turn", "Time to first event", "Users and turns in flight", "Turn outcomes", url, "p99.9"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, banned := range []string{"<script", "src=", "<link", "cdn"} {
		if strings.Contains(strings.ToLower(html), banned) {
			t.Errorf("report is not self-contained: has %q", banned)
		}
	}
}

func wellFormed(doc string) error {
	d := xml.NewDecoder(strings.NewReader(doc))
	for {
		if _, err := d.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}
