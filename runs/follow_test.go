package runs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/coord"
	pgcoord "github.com/agentd/agentd/coord/postgres"
	rediscoord "github.com/agentd/agentd/coord/redis"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/runs"
	"github.com/agentd/agentd/store"
)

// eventLogs open a test's shared event log on each backend.
var eventLogs = map[string]func(t *testing.T) coord.EventLog{
	"redis": func(t *testing.T) coord.EventLog {
		url, prefix := testenv.Redis(t)
		c, err := rediscoord.Open(t.Context(), url, rediscoord.Options{Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	},
	"postgres": func(t *testing.T) coord.EventLog {
		e, err := pgcoord.Open(t.Context(), testenv.Postgres(t), pgcoord.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	},
}

// follower is the manager of an instance that runs nothing itself and
// serves rejoins of the runs of another (absent) instance.
func follower(t *testing.T, events coord.EventLog) (*runs.Manager, store.Store) {
	st := testenv.SQLite(t)
	return newManager(t, runs.Config{Store: st, Events: events, LeaseTTL: time.Second}), st
}

// absentRun records a running run of an instance that will not renew its
// lease, which lapses after lease.
func absentRun(t *testing.T, st store.Store, id string, lease time.Duration) agentd.Run {
	t.Helper()
	now := time.Now()
	rec, _, err := st.StartRun(t.Context(), store.StartRun{RunID: id, ThreadID: "t-" + id, Agent: "a", User: agentd.LocalUser, Owner: "gone",
		Now: now, LeaseUntil: now.Add(lease)})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// publish appends events 1..n of run id to the shared log, as its instance
// would have before it stopped.
func publish(t *testing.T, events coord.EventLog, id string, n int) {
	t.Helper()
	frames := make([]coord.Frame, n)
	for i := range frames {
		frames[i] = coord.Frame{Seq: int64(i + 1), Data: fmt.Appendf(nil, `{"type":"TEXT_MESSAGE_CONTENT","messageId":"m","delta":"%d"}`, i+1)}
	}
	if err := events.Append(t.Context(), id, frames, false); err != nil {
		t.Fatal(err)
	}
}

// readAll reads a feed from after to its end: each event's id (0 for none)
// and the event.
func readAll(t *testing.T, f runs.Feed, after int) (ids []int, evs []agui.Event) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for {
		frames, n, done, err := f.Next(ctx, after, 100*time.Millisecond)
		if err != nil {
			t.Fatalf("Next after %d (got %v): %v", after, ids, err)
		}
		if done {
			return ids, evs
		}
		after += n
		for _, fr := range bytes.Split(bytes.TrimSuffix(frames, []byte("\n\n")), []byte("\n\n")) {
			if len(fr) == 0 {
				continue
			}
			id := 0
			if rest, ok := bytes.CutPrefix(fr, []byte("id: ")); ok {
				line, data, _ := bytes.Cut(rest, []byte("\n"))
				id, _ = strconv.Atoi(string(line))
				fr = data
			}
			var ev agui.Event
			if err := json.Unmarshal(bytes.TrimPrefix(fr, []byte("data: ")), &ev); err != nil {
				t.Fatalf("frame %q: %v", fr, err)
			}
			ids, evs = append(ids, id), append(evs, ev)
		}
	}
}

func mustEndWith(t *testing.T, evs []agui.Event, typ agui.EventType, code agentd.RunErrorCode) {
	t.Helper()
	if len(evs) == 0 {
		t.Fatalf("no events; want %s %s", typ, code)
	}
	if last := evs[len(evs)-1]; last.Type != typ || last.Code != string(code) {
		t.Fatalf("ends with %s %q; want %s %q", last.Type, last.Code, typ, code)
	}
	for _, ev := range evs[:len(evs)-1] {
		if ev.Type == agui.RunFinished || ev.Type == agui.RunError {
			t.Fatalf("a terminal event before the last: %+v", evs)
		}
	}
}

// The bug: the run's instance streamed events 1..3 to its client, but
// only 1..2 reached the shared log before it died, so the seal took number
// 3. A client rejoining after 3 must still be told.
func TestRejoinPastTheSharedLogsEndGetsInstanceLost(t *testing.T) {
	for name, open := range eventLogs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			events := open(t)
			m, st := follower(t, events)
			absentRun(t, st, "early", 300*time.Millisecond)
			publish(t, events, "early", 2)
			f, err := m.Feed(t.Context(), agentd.LocalUser, "early", 3)
			if err != nil {
				t.Fatal(err)
			}
			ids, evs := readAll(t, f, 3)
			mustEndWith(t, evs, agui.RunError, agentd.RunErrInstanceLost)
			if len(evs) != 1 || ids[0] != 0 {
				t.Fatalf("ids %v: want the run's end alone, without an id (3 is not the log's 3)", ids)
			}
			if rec, err := st.GetRun(t.Context(), "early"); err != nil || rec.Status != agentd.RunInterrupted {
				t.Fatalf("stored run %+v, %v: want interrupted", rec, err)
			}
			// From the log's own numbering, the seal is event 3.
			f, _ = m.Feed(t.Context(), agentd.LocalUser, "early", 0)
			ids, evs = readAll(t, f, 0)
			mustEndWith(t, evs, agui.RunError, agentd.RunErrInstanceLost)
			if fmt.Sprint(ids) != "[1 2 3]" {
				t.Fatalf("ids from the start %v, want [1 2 3]", ids)
			}
		})
	}
}

// The instance died before creating the run's log: a rejoin follows the
// run the store says is running instead of answering 404.
func TestRejoinBeforeTheLogExistsFollowsTheRun(t *testing.T) {
	for name, open := range eventLogs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m, st := follower(t, open(t))
			if _, err := m.Feed(t.Context(), agentd.LocalUser, "unknown", 0); !errors.Is(err, coord.ErrNotFound) {
				t.Fatalf("Feed of an unknown run: %v, want coord.ErrNotFound", err)
			}
			absentRun(t, st, "nolog", 300*time.Millisecond)
			f, err := m.Feed(t.Context(), agentd.LocalUser, "nolog", 0)
			if err != nil {
				t.Fatal(err)
			}
			ids, evs := readAll(t, f, 0)
			mustEndWith(t, evs, agui.RunError, agentd.RunErrInstanceLost)
			if fmt.Sprint(ids) != "[1]" {
				t.Fatalf("ids %v, want [1]", ids)
			}
		})
	}
}

// The store has the run's end, its log never got it (its instance died in
// between): after a grace period the log is sealed with the stored end.
func TestRejoinOfARunEndedOnlyInTheStore(t *testing.T) {
	for _, c := range []struct {
		fin  store.Finish
		typ  agui.EventType
		code agentd.RunErrorCode
	}{
		{store.Finish{Status: agentd.RunSucceeded}, agui.RunFinished, ""},
		{store.Finish{Status: agentd.RunFailed, ErrorCode: agentd.RunErrModelUnavailable, ErrorMsg: "the model provider failed"},
			agui.RunError, agentd.RunErrModelUnavailable},
	} {
		t.Run(string(c.fin.Status), func(t *testing.T) {
			t.Parallel()
			events := eventLogs["postgres"](t)
			m, st := follower(t, events)
			rec := absentRun(t, st, "ended", time.Minute)
			publish(t, events, "ended", 2)
			c.fin.At = time.Now()
			if _, err := st.Commit(t.Context(), store.Checkpoint{RunID: rec.ID, ThreadID: rec.ThreadID, Fence: rec.Fence,
				Version: -1, TruncateAt: -1, Finish: &c.fin}); err != nil {
				t.Fatal(err)
			}
			f, err := m.Feed(t.Context(), agentd.LocalUser, "ended", 1)
			if err != nil {
				t.Fatal(err)
			}
			ids, evs := readAll(t, f, 1)
			mustEndWith(t, evs, c.typ, c.code)
			if fmt.Sprint(ids) != "[2 3]" {
				t.Fatalf("ids %v, want [2 3]", ids)
			}
			if c.typ == agui.RunFinished && evs[1].RunID != "ended" {
				t.Errorf("RUN_FINISHED %+v lacks the run's id", evs[1])
			}
		})
	}
}

func TestFollowersEndWhenTheManagerDrains(t *testing.T) {
	t.Parallel()
	m, st := follower(t, eventLogs["postgres"](t))
	absentRun(t, st, "long", time.Minute)
	f, err := m.Feed(t.Context(), agentd.LocalUser, "long", 0)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		_, _, _, err := f.Next(t.Context(), 0, time.Minute)
		got <- err
	}()
	m.Drain(t.Context())
	var se *runs.StreamError
	if err := <-got; !errors.As(err, &se) || se.Code != agentd.RunErrStream {
		t.Fatalf("Next while draining: %v, want a StreamError stream_error", err)
	}
}

// A client that rejoins a run of this instance from its last event gets
// the run's end again, not an empty stream.
func TestRejoinAtTheEndOfALocalRunRestatesItsEnd(t *testing.T) {
	t.Parallel()
	m := newManager(t, runs.Config{})
	r := run(t, m, 0)
	f, err := m.Feed(t.Context(), r.User, r.ID, r.Log.Len())
	if err != nil {
		t.Fatal(err)
	}
	ids, evs := readAll(t, f, r.Log.Len())
	mustEndWith(t, evs, agui.RunFinished, "")
	if len(ids) != 1 || ids[0] != 0 {
		t.Fatalf("ids %v: want the end alone, without an id", ids)
	}
}
