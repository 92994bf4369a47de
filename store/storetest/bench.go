package storetest

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/store"
)

// BenchTurn measures chat turns on s, one after the other, and reports
// turns/s. s should be a fresh store: the thread ids count from 1.
func BenchTurn(b *testing.B, s store.Store) {
	var n int64
	for b.Loop() {
		n++
		turn(b, s, n)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "turns/s")
}

// BenchTurnParallel is BenchTurn with turns from 64×GOMAXPROCS goroutines
// at once, each on its own thread: a server with many runs in flight.
func BenchTurnParallel(b *testing.B, s store.Store) {
	var n atomic.Int64
	b.SetParallelism(64)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			turn(b, s, n.Add(1))
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "turns/s")
}

// turn is one chat turn on a fresh thread as agentd runs it: StartRun
// writes the user's message (Reconcile), then one commit writes the answer
// and ends the run: two write transactions.
func turn(b *testing.B, s store.Store, n int64) {
	ctx := b.Context()
	at := time.Now()
	id := fmt.Sprint(n)
	question := store.AppendMessage{Message: agui.Message{ID: "u" + id, Role: agui.RoleUser,
		Content: agui.TextContent("What is the weather in Paris today?")}}
	r, th, err := s.StartRun(ctx, store.StartRun{
		RunID: "r" + id, ThreadID: "t" + id, User: "u", Agent: "bench", Owner: "bench", Now: at, LeaseUntil: at.Add(time.Minute),
		Reconcile: func(agentd.Thread) store.Reconciled {
			return store.Reconciled{TruncateAt: -1, Append: []store.AppendMessage{question}, State: json.RawMessage(`{}`)}
		}})
	if err != nil {
		b.Fatal(err)
	}
	_, err = s.Commit(ctx, store.Checkpoint{RunID: r.ID, ThreadID: r.ThreadID, Fence: r.Fence, Version: th.Version, TruncateAt: -1,
		Append: []store.AppendMessage{{RunID: r.ID, Message: agui.Message{ID: "a" + id, Role: agui.RoleAssistant,
			Content: agui.TextContent("It is sunny in Paris today, 21°C, with a light breeze from the west.")}}},
		Finish: &store.Finish{Status: agentd.RunSucceeded, At: at}})
	if err != nil {
		b.Fatal(err)
	}
}
