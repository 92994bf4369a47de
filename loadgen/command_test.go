package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/agentd/agentd/agui"
)

func TestCommand_WritesResultsAndReport(t *testing.T) {
	t.Parallel()
	var count atomic.Int64
	var sawHeader atomic.Bool
	url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		in := readInput(t, r)
		count.Add(1)
		sawHeader.Store(r.Header.Get("Authorization") == "Bearer t0k")
		startSSE(w)
		send(t, w, textRun(in, newID("m"), "ok")...)
	})
	dir := t.TempDir()
	out, page := filepath.Join(dir, "results.json"), filepath.Join(dir, "report.html")
	var stdout, stderr bytes.Buffer
	err := Command(context.Background(), []string{
		"--url", url, "--users", "3", "--turns", "2", "--ramp-up", "0s", "--think", "0s",
		"--duration", "10s", "--turn-timeout", "2s", "--header", "Authorization: Bearer t0k",
		"--out", out, "--html", page, "--fail-on-silent",
	}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("Command: %v (stderr %s)", err, stderr.String())
	}
	if count.Load() != 6 || !sawHeader.Load() {
		t.Errorf("server saw %d turns, header %v", count.Load(), sawHeader.Load())
	}
	if !strings.Contains(stdout.String(), "6 turns") || stderr.Len() != 0 {
		t.Errorf("stdout %q, stderr %q (stderr is not a terminal: no progress)", stdout.String(), stderr.String())
	}
	raw, err := os.ReadFile(out)
	var res Results
	if err != nil || json.Unmarshal(raw, &res) != nil || res.Outcomes[OutcomeOK] != 6 {
		t.Errorf("results file: %v, %+v", err, res.Outcomes)
	}
	html, err := os.ReadFile(page)
	if err != nil || !bytes.Contains(html, []byte("<svg")) {
		t.Errorf("report file: %v, %d bytes", err, len(html))
	}
}

func TestCommand_FailOnSilent(t *testing.T) {
	t.Parallel()
	url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		in := readInput(t, r)
		startSSE(w)
		send(t, w, agui.Event{Type: agui.RunStarted, ThreadID: in.ThreadID, RunID: in.RunID})
		// and then the stream just ends
	})
	args := []string{"--url", url, "--users", "2", "--turns", "1", "--ramp-up", "0s", "--duration", "5s"}
	if err := Command(context.Background(), args, io.Discard, io.Discard); err != nil {
		t.Errorf("without --fail-on-silent: %v", err)
	}
	err := Command(context.Background(), append(args, "--fail-on-silent"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "2 silent failures") {
		t.Errorf("with --fail-on-silent: %v, want 2 silent failures", err)
	}
}

func TestCommand_RejectsBadArguments(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{},                        // no URL
		{"--url", "127.0.0.1:80"}, // not http(s)
		{"--url", "http://x/", "--history", "some"},
		{"--url", "http://x/", "--header", "no colon"},
		{"--url", "http://x/", "stray"},
	} {
		if err := Command(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

func TestListFlag_Split(t *testing.T) {
	t.Parallel()
	l := listFlag{"http://a/, http://b/", "http://c/"}
	if got := strings.Join(l.split(), " "); got != "http://a/ http://b/ http://c/" {
		t.Errorf("split = %q", got)
	}
}
