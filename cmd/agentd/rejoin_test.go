package main_test

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// testKilledOwnerIsReportedToRejoins starts a run on instance 1 and one on
// instance 2 of three, kills instance 1 with SIGKILL early (its client read
// 3 events: the model's first token comes after 1 s and is copied to the
// shared log 50 ms later, so the log lacks what the client saw) and
// instance 2 late (30 events in), and rejoins both runs on instance 3 with
// the last id each client saw. Each rejoin must end with RUN_ERROR
// instance_lost within the lease plus a few seconds, every event before it
// numbered in order, none repeated or missing.
func testKilledOwnerIsReportedToRejoins(t *testing.T, withRedis bool) {
	const lease = 2 * time.Second
	c := newCluster(t, 3, withRedis, "--lease-ttl", lease.String(), "--sim-first-token", "1s", "--sim-tps", "20", "--sim-tokens", "200")
	follower := c.procs[2]
	type rejoined struct {
		run    string
		seen   int
		r      *sse
		waited time.Duration
	}
	ended := make(chan rejoined, 2)
	for i, k := range []struct {
		run  string
		read int
	}{{"early", 3}, {"late", 30}} {
		owner := c.procs[i]
		s := postRun(t, owner, runBody("th-"+k.run, k.run, msg{ID: "u-" + k.run, Role: "user", Content: "talk"}))
		for len(s.data) < k.read && s.next() {
		}
		if len(s.data) < k.read {
			t.Fatalf("run %s ended after %d events: %v", k.run, len(s.data), s.data)
		}
		if err := owner.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = owner.cmd.Wait()
		s.resp.Body.Close()
		seen, start := s.ids[len(s.ids)-1], time.Now()
		r := rejoin(t, follower, k.run, seen)
		go func() {
			for r.next() {
			}
			r.resp.Body.Close()
			ended <- rejoined{k.run, seen, r, time.Since(start)}
		}()
	}
	for range 2 {
		got := <-ended
		for i, id := range got.r.ids {
			if id != got.seen+1+i {
				t.Errorf("run %s rejoined after %d: ids %v, a gap or a duplicate", got.run, got.seen, got.r.ids)
				break
			}
		}
		if last := got.r.last(); !strings.Contains(last, `"RUN_ERROR"`) || !strings.Contains(last, `"instance_lost"`) {
			t.Errorf("run %s: the rejoin ended with %q, want RUN_ERROR instance_lost", got.run, last)
		}
		for _, ev := range got.r.data[:max(len(got.r.data)-1, 0)] {
			if strings.Contains(ev, `"RUN_ERROR"`) || strings.Contains(ev, `"RUN_FINISHED"`) {
				t.Errorf("run %s: a terminal event before the last: %s", got.run, ev)
			}
		}
		if got.waited > lease+6*time.Second {
			t.Errorf("run %s: told after %v, past the %v lease plus a few seconds", got.run, got.waited, lease)
		}
		whole := rejoin(t, follower, got.run, 0)
		for whole.next() {
		}
		t.Logf("run %s: the client saw %d events; the shared log holds %d (its end included); the rejoin got %d after %v",
			got.run, got.seen, len(whole.ids), len(got.r.data), got.waited)
	}
	// The lost run's thread is free for the client's retry (a busy one
	// would be refused with 409).
	retry := postRun(t, follower, runBody("th-early", "early-retry", msg{ID: "u-early", Role: "user", Content: "talk"}))
	if !retry.next() || !strings.Contains(retry.last(), `"RUN_STARTED"`) {
		t.Fatalf("retry: %q", retry.last())
	}
	retry.resp.Body.Close()
}

func TestCluster_Kill9OwnerIsReportedToRejoins(t *testing.T) {
	testKilledOwnerIsReportedToRejoins(t, true)
}

func TestCluster_Kill9OwnerIsReportedToRejoinsPostgresOnly(t *testing.T) {
	testKilledOwnerIsReportedToRejoins(t, false)
}
