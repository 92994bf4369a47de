package loadgen

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// hangingServer starts every run and never ends it.
func hangingServer(t *testing.T) string {
	return serve(t, func(w http.ResponseWriter, r *http.Request) {
		in := readInput(t, r)
		startSSE(w)
		send(t, w, textRun(in, "m", "x")[:2]...)
		<-r.Context().Done()
	})
}

// quickServer answers every run at once and counts requests.
func quickServer(t *testing.T, count *atomic.Int64) string {
	return serve(t, func(w http.ResponseWriter, r *http.Request) {
		in := readInput(t, r)
		count.Add(1)
		startSSE(w)
		send(t, w, textRun(in, newID("m"), "hi")...)
	})
}

func TestRun_StopsAtDuration(t *testing.T) {
	t.Parallel()
	cfg := Config{URLs: []string{hangingServer(t)}, Users: 5, Turns: 1000, History: HistoryFull,
		TurnTimeout: 150 * time.Millisecond, Duration: 400 * time.Millisecond, Interval: 100 * time.Millisecond}
	begin := time.Now()
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Turns start until 400 ms and each lasts 150 ms: the run ends by 550 ms.
	if took := time.Since(begin); took > 2*time.Second {
		t.Errorf("run took %s, want it bounded by duration + turn timeout", took)
	}
	if res.StoppedBy != "duration" || res.Outcomes[OutcomeTimeout] < 5 || res.Outcomes[OutcomeTimeout] != res.Turns {
		t.Errorf("stopped by %s, outcomes %v", res.StoppedBy, res.Outcomes)
	}
	if res.Silent != res.Turns {
		t.Errorf("silent %d of %d timeouts", res.Silent, res.Turns)
	}
	if len(res.Series) < 3 {
		t.Errorf("%d samples, want one per 100 ms", len(res.Series))
	}
}

func TestRun_StopsAtMaxTurns(t *testing.T) {
	t.Parallel()
	var count atomic.Int64
	cfg := Config{URLs: []string{quickServer(t, &count)}, Users: 4, Turns: 100, MaxTurns: 10, History: HistoryFull,
		TurnTimeout: time.Second, Duration: time.Minute}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Turns != 10 || count.Load() != 10 || res.Outcomes[OutcomeOK] != 10 || res.StoppedBy != "max_turns" {
		t.Errorf("turns %d, server saw %d, outcomes %v, stopped by %s; want 10 ok turns and max_turns",
			res.Turns, count.Load(), res.Outcomes, res.StoppedBy)
	}
}

func TestRun_CompletesAllTurns(t *testing.T) {
	t.Parallel()
	var count atomic.Int64
	cfg := Config{URLs: []string{quickServer(t, &count)}, Users: 3, Turns: 4, History: HistoryNew,
		TurnTimeout: time.Second, Duration: time.Minute, ThinkTime: 5 * time.Millisecond, ThinkJitter: 0.5}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Turns != 12 || count.Load() != 12 || res.StoppedBy != "completed" || res.Silent != 0 {
		t.Errorf("turns %d (server %d), stopped by %s, silent %d", res.Turns, count.Load(), res.StoppedBy, res.Silent)
	}
}

func TestRun_CancelStopsInFlightTurns(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	cfg := Config{URLs: []string{hangingServer(t)}, Users: 3, Turns: 5, History: HistoryFull,
		TurnTimeout: time.Minute, Duration: time.Minute}
	begin := time.Now()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(begin) > 5*time.Second {
		t.Errorf("run took %s after cancel", time.Since(begin))
	}
	if res.StoppedBy != "cancelled" || res.Outcomes[OutcomeCancelled] != 3 || res.Silent != 0 {
		t.Errorf("stopped by %s, outcomes %v, silent %d", res.StoppedBy, res.Outcomes, res.Silent)
	}
}

func TestRun_RoundRobinAndRampUp(t *testing.T) {
	t.Parallel()
	var a, b atomic.Int64
	cfg := Config{URLs: []string{quickServer(t, &a), quickServer(t, &b)}, Users: 4, Turns: 5, History: HistoryFull,
		RampUp: 200 * time.Millisecond, TurnTimeout: time.Second, Duration: time.Minute}
	begin := time.Now()
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a.Load() != 10 || b.Load() != 10 || res.Turns != 20 {
		t.Errorf("targets got %d and %d of %d turns, want 10 each", a.Load(), b.Load(), res.Turns)
	}
	// The last user starts 3/4 of the way through the ramp-up.
	if took := time.Since(begin); took < 150*time.Millisecond {
		t.Errorf("run took %s, faster than the ramp-up allows", took)
	}
}

func TestConfig_Validate(t *testing.T) {
	t.Parallel()
	good := DefaultConfig()
	good.URLs = []string{"http://127.0.0.1:1/agent"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(*Config){
		"no url":       func(c *Config) { c.URLs = nil },
		"ftp url":      func(c *Config) { c.URLs = []string{"ftp://x/"} },
		"no users":     func(c *Config) { c.Users = 0 },
		"no turns":     func(c *Config) { c.Turns = 0 },
		"no timeout":   func(c *Config) { c.TurnTimeout = 0 },
		"no duration":  func(c *Config) { c.Duration = 0 },
		"bad history":  func(c *Config) { c.History = "some" },
		"bad jitter":   func(c *Config) { c.ThinkJitter = 2 },
		"negative cap": func(c *Config) { c.MaxTurns = -1 },
	} {
		c := good
		mut(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: validated", name)
		}
	}
}
