package agent_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm"
)

// textModel streams the same n text deltas every turn.
type textModel struct{ deltas []string }

func (textModel) Name() string { return "text" }
func (m textModel) Stream(_ context.Context, _ *llm.Request, emit func(llm.Delta) error) error {
	for _, d := range m.deltas {
		if err := emit(llm.Delta{Text: d}); err != nil {
			return err
		}
	}
	return emit(llm.Delta{Usage: &llm.Usage{InputTokens: 10, OutputTokens: len(m.deltas)}})
}

// countSink counts events and keeps nothing, so the loop's own cost shows.
type countSink struct{ events, bytes int }

func (s *countSink) Emit(ev *agui.Event) error {
	s.events++
	s.bytes += len(ev.Delta)
	return nil
}

func (s *countSink) Usage(llm.Usage) {}

func (s *countSink) Checkpoint(context.Context, []agui.Message, json.RawMessage, bool) error {
	return nil
}

// BenchmarkRunTextTurn measures the loop's cost of one 400-delta text turn:
// each delta becomes a TEXT_MESSAGE_CONTENT event.
func BenchmarkRunTextTurn(b *testing.B) {
	const n = 400
	m := textModel{}
	for range n {
		m.deltas = append(m.deltas, " word")
	}
	a := &agent.Agent{Name: "a", Model: m}
	in := agent.Input{History: []agui.Message{{ID: "u1", Role: "user", Content: agui.TextContent("hi")}},
		State: json.RawMessage(`{}`), NewID: func() string { return "id" }}
	b.ReportAllocs()
	for b.Loop() {
		var s countSink
		if _, err := a.Run(context.Background(), in, &s); err != nil || s.events != n+2 {
			b.Fatalf("%d events, %v", s.events, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delta")
}
