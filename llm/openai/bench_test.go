package openai_test

import (
	"context"
	"strings"
	"testing"

	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/llmtest"
	"github.com/agentd/agentd/llm/openai"
)

// BenchmarkStream400Tokens measures the adapter's cost of one 400-token
// streamed turn against a local server (the server's cost is included).
func BenchmarkStream400Tokens(b *testing.B) {
	parts := strings.Fields(strings.Repeat("word ", 400))
	srv := llmtest.NewOpenAI(b)
	p, err := openai.New(openai.Config{BaseURL: srv.URL, Model: "m", APIKey: "k"})
	if err != nil {
		b.Fatal(err)
	}
	req := &llm.Request{System: "s"}
	b.ReportAllocs()
	for b.Loop() {
		srv.Add(llmtest.Reply{Chunks: llmtest.Text(parts...)})
		n := 0
		if err := p.Stream(context.Background(), req, func(llm.Delta) error { n++; return nil }); err != nil || n < 400 {
			b.Fatalf("%d deltas, %v", n, err)
		}
	}
}
