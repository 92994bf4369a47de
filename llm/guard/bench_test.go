package guard_test

import (
	"context"
	"testing"
	"time"

	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/guard"
)

// deltaModel streams n text deltas at once.
type deltaModel struct{ n int }

func (deltaModel) Name() string { return "deltas" }
func (m deltaModel) Stream(_ context.Context, _ *llm.Request, emit func(llm.Delta) error) error {
	for range m.n {
		if err := emit(llm.Delta{Text: "w"}); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkGuardedStream measures the guard's cost per delta of a 400-delta
// turn with both token deadlines set, as agentd serve sets them.
func BenchmarkGuardedStream(b *testing.B) {
	const n = 400
	p := guard.Wrap(deltaModel{n: n}, guard.Limits{FirstToken: time.Minute, Idle: time.Minute, Attempts: 3, MaxConcurrent: 100}, nil)
	b.ReportAllocs()
	for b.Loop() {
		got := 0
		if err := p.Stream(context.Background(), hello, func(llm.Delta) error { got++; return nil }); err != nil || got != n {
			b.Fatalf("%d deltas, %v", got, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delta")
}
