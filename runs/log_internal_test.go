package runs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/agentd/agentd/agui"
)

// logEvents is a run's worth of events of every kind the log keeps apart:
// per-token events of interleaved messages and tool calls (more ids than
// the log looks back over), deltas that need escaping, events that are
// not DeltaOnly, and records larger than a chunk.
func logEvents() []agui.Event {
	evs := []agui.Event{
		{Type: agui.RunStarted, Timestamp: 1700000000000, ThreadID: "t-1", RunID: "r-1"},
		{Type: agui.StateSnapshot, Timestamp: 1, Snapshot: json.RawMessage(`{"big":"` + strings.Repeat("x", 3*chunkSize) + `"}`)},
		{Type: agui.StateDelta, Patch: json.RawMessage(`[{"op":"add","path":"/a","value":1}]`)},
		{Type: agui.TextMessageStart, Timestamp: 2, MessageID: "m-1", Role: agui.RoleAssistant},
	}
	deltas := []string{"word ", `"q"`, "<b>&</b>", "\u2028\n\t", "bad\xff", "é🙂", strings.Repeat("long ", chunkSize/4)}
	for i := range 300 {
		evs = append(evs, agui.Event{Type: agui.TextMessageContent, MessageID: "m-1", Delta: deltas[i%len(deltas)]})
	}
	evs = append(evs,
		agui.Event{Type: agui.TextMessageContent, MessageID: "m-1", Delta: "stamped", Timestamp: 5},
		agui.Event{Type: agui.TextMessageContent, MessageID: "m-1"}, // no delta: kept as JSON
		agui.Event{Type: agui.TextMessageEnd, Timestamp: 3, MessageID: "m-1"})
	for i := range 12 {
		id := fmt.Sprint("call-", i%10) // 10 ids, revisited: beyond the look-back
		evs = append(evs,
			agui.Event{Type: agui.ToolCallStart, ToolCallID: id, ToolCallName: "f", ParentMessageID: "m-1"},
			agui.Event{Type: agui.ToolCallArgs, ToolCallID: id, Delta: `{"a":`},
			agui.Event{Type: agui.ToolCallArgs, ToolCallID: "call-0", Delta: fmt.Sprint(i, "}")},
			agui.Event{Type: agui.ToolCallEnd, ToolCallID: id})
	}
	return append(evs,
		agui.Event{Type: agui.MessagesSnapshot, Messages: []agui.Message{{ID: "u", Role: "user", Content: agui.TextContent("hi <there>")}}},
		agui.Event{Type: agui.RunFinished, ThreadID: "t-1", RunID: "r-1"})
}

// oldFrames is how the log framed events before it kept them compact:
// json.Marshal of each, framed with its sequence number.
func oldFrames(t *testing.T, evs []agui.Event, after int) []byte {
	t.Helper()
	var out []byte
	for i := max(after, 0); i < len(evs); i++ {
		var err error
		if out, err = agui.AppendFrame(out, int64(i+1), &evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func fill(t *testing.T, evs []agui.Event) *Log {
	t.Helper()
	l := newLog()
	for i := range evs {
		ev := evs[i] // the log must not depend on the caller's copy
		if err := l.append(&ev, i == len(evs)-1); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// Readers resuming from any id get the same bytes as before.
func TestLogFramesAsJSONMarshalFromAnyID(t *testing.T) {
	t.Parallel()
	evs := logEvents()
	l := fill(t, evs)
	if l.Len() != len(evs) {
		t.Fatalf("Len = %d, want %d", l.Len(), len(evs))
	}
	for after := -1; after <= len(evs)+1; after++ {
		// The log is longer than one Next returns: read on to its end.
		var got []byte
		n := 0
		for {
			from := after
			if n > 0 {
				from = max(after, 0) + n
			}
			frames, k, done, err := l.Next(t.Context(), from, time.Second)
			if err != nil {
				t.Fatalf("after %d: %v", from, err)
			}
			if done != (k == 0) {
				t.Fatalf("after %d: %d events, done %v", from, k, done)
			}
			if done {
				break
			}
			got, n = append(got, frames...), n+k
		}
		want := oldFrames(t, evs, after)
		if !bytes.Equal(got, want) {
			t.Fatalf("after %d:\n got %.300q\nwant %.300q", after, got, want)
		}
		if wantN := max(len(evs)-max(after, 0), 0); n != wantN {
			t.Fatalf("after %d: n = %d; want %d", after, n, wantN)
		}
	}
}

// The shared log's copy gets each event's JSON as json.Marshal writes it.
func TestLogReadGivesEachEventsJSON(t *testing.T) {
	t.Parallel()
	evs := logEvents()
	l := fill(t, evs)
	for _, after := range []int{0, 1, 3, 4, 200, len(evs) - 1} {
		next := after + 1
		n, closed, _ := l.read(after, 0, func(seq int, ev []byte) {
			want, _ := json.Marshal(&evs[seq-1])
			if seq != next || !bytes.Equal(ev, want) {
				t.Fatalf("after %d: event %d is %s; want event %d, %s", after, seq, ev, next, want)
			}
			next++
		})
		if n != len(evs)-after || !closed {
			t.Fatalf("after %d: %d events, closed %v", after, n, closed)
		}
	}
}

// Readers tailing the log while the run appends see every event once, in
// order, as the run appended it (and -race sees no race). Every 50 events
// the readers catch up and wait for more, so they are woken mid-run.
func TestLogTailedWhileAppended(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		evs := logEvents()
		l := newLog()
		var wg sync.WaitGroup
		got := make([][]byte, 4)
		for r := range got {
			wg.Go(func() {
				after := 0
				for {
					frames, n, done, err := l.Next(context.Background(), after, time.Second)
					if err != nil || done {
						return
					}
					got[r] = append(got[r], frames...)
					after += n
				}
			})
		}
		for i := range evs {
			if err := l.append(&evs[i], i == len(evs)-1); err != nil {
				t.Fatal(err)
			}
			if i%50 == 0 {
				synctest.Wait() // every reader has caught up and waits
			}
		}
		wg.Wait()
		want := oldFrames(t, evs, 0)
		for r := range got {
			if !bytes.Equal(got[r], want) {
				t.Errorf("reader %d got %d bytes that differ from the %d appended", r, len(got[r]), len(want))
			}
		}
	})
}

// A waiting reader is woken by the next append, not by its wait ending.
func TestLogWakesAWaitingReader(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := newLog()
		got := make(chan int)
		go func() {
			_, n, _, _ := l.Next(context.Background(), 0, time.Minute)
			got <- n
		}()
		synctest.Wait() // the reader waits
		if err := l.append(&agui.Event{Type: agui.RunStarted, ThreadID: "t", RunID: "r"}, false); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if n := <-got; n != 1 || time.Since(start) != 0 {
			t.Fatalf("woken with %d events after %v, want 1 at once", n, time.Since(start))
		}
	})
}

// A streamed reply costs a fraction of its JSON: the point of the format.
func TestLogOfAReplyIsSmall(t *testing.T) {
	t.Parallel()
	id := "0195d3a4-7c1e-7b2a-9f3e-2a4b6c8d0e1f"
	evs := []agui.Event{{Type: agui.RunStarted, Timestamp: 1700000000000, ThreadID: id, RunID: id},
		{Type: agui.TextMessageStart, Timestamp: 1700000000000, MessageID: id, Role: agui.RoleAssistant}}
	for i := range 400 {
		evs = append(evs, agui.Event{Type: agui.TextMessageContent, MessageID: id, Delta: fmt.Sprint("w", i%100, " ")})
	}
	evs = append(evs, agui.Event{Type: agui.TextMessageEnd, Timestamp: 1700000000000, MessageID: id},
		agui.Event{Type: agui.RunFinished, ThreadID: id, RunID: id})
	l := fill(t, evs)
	var jsonBytes int
	for i := range evs {
		b, _ := json.Marshal(&evs[i])
		jsonBytes += len(b)
	}
	if got := l.Bytes(); got*6 > int64(jsonBytes) {
		t.Errorf("the log holds %d bytes for %d bytes of JSON; want under a sixth", got, jsonBytes)
	}
}

// A 400-token reply appended and tailed by one reader, event by event, as
// a streaming client reads it.
func BenchmarkLogStreamedReply(b *testing.B) {
	id := "0195d3a4-7c1e-7b2a-9f3e-2a4b6c8d0e1f"
	for b.Loop() {
		l := newLog()
		if err := l.append(&agui.Event{Type: agui.RunStarted, ThreadID: id, RunID: id}, false); err != nil {
			b.Fatal(err)
		}
		for i := range 400 {
			if err := l.append(&agui.Event{Type: agui.TextMessageContent, MessageID: id, Delta: "word "}, false); err != nil {
				b.Fatal(err)
			}
			if _, n, _, _ := l.frames(i + 1); n != 1 {
				b.Fatalf("read %d events, want 1", n)
			}
		}
	}
}
