package main_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMDuringRunsDrains sends SIGTERM while 20 runs stream: short
// runs finish within the drain timeout, long ones end with RUN_ERROR
// server_restarting, the process exits 0, and after a restart every thread
// holds whole turns only and takes new runs.
func TestSIGTERMDuringRunsDrains(t *testing.T) {
	db := "sqlite://" + filepath.Join(t.TempDir(), "agentd.db")
	addr := freeAddr(t)
	args := []string{"--store", db, "--sim-tps", "20", "--sim-tokens", "20", "--drain-timeout", "2500ms", "--rate", "0"}
	p := startAgentd(t, addr, args...)

	const n = 20
	var started, ended sync.WaitGroup
	lastEvent := make([]string, n)
	started.Add(n)
	ended.Add(n)
	for i := 0; i < n; i++ {
		text := "short"
		if i%2 == 1 {
			text = "long " + strings.Repeat("word ", 80) // about 4s more of reply
		}
		body := runBody(fmt.Sprintf("th%d", i), fmt.Sprintf("r%d", i), msg{ID: fmt.Sprintf("u%d", i), Role: "user", Content: text})
		go func() {
			defer ended.Done()
			resp, err := http.Post(p.url+"/", "application/json", bytes.NewReader(body))
			if err != nil {
				started.Done()
				lastEvent[i] = "error: " + err.Error()
				return
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			once := false
			for sc.Scan() {
				if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					if !once {
						once = true
						started.Done()
					}
					lastEvent[i] = data
				}
			}
			if !once {
				started.Done()
			}
		}()
	}
	started.Wait()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New runs are refused with 503 while draining.
	time.Sleep(100 * time.Millisecond)
	resp, err := http.Post(p.url+"/", "application/json", bytes.NewReader(runBody("late", "rlate", msg{ID: "x", Role: "user", Content: "hi"})))
	if err == nil {
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("run during drain: %d", resp.StatusCode)
		}
		resp.Body.Close()
	}
	ended.Wait()
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	finished, restarting := 0, 0
	for i, ev := range lastEvent {
		switch {
		case strings.Contains(ev, `"RUN_FINISHED"`):
			finished++
		case strings.Contains(ev, `"RUN_ERROR"`) && strings.Contains(ev, `"server_restarting"`):
			restarting++
		default:
			t.Errorf("run %d ended with %s", i, ev)
		}
	}
	if finished == 0 || restarting == 0 {
		t.Errorf("%d finished and %d interrupted: want both kinds", finished, restarting)
	}

	p2 := startAgentd(t, addr, args...)
	for i := 0; i < n; i++ {
		th := fmt.Sprintf("th%d", i)
		got := storedThread(t, p2, th)
		want := 1
		if strings.Contains(lastEvent[i], "RUN_FINISHED") {
			want = 2
		}
		if len(got) != want {
			t.Errorf("%s holds %d messages, want %d: %+v", th, len(got), want, got)
		}
	}
	out := turn(t, p2, runBody("th1", "again", msg{ID: "u1b", Role: "user", Content: "retry"}))
	if !strings.Contains(out, "RUN_FINISHED") {
		t.Errorf("a drained thread does not take a new run: %s", out)
	}
}
