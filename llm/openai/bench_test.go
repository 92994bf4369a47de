package openai_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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

// BenchmarkStreamRelay measures the adapter alone on a 400-token turn: the
// server writes pre-encoded chunks shaped like fakellm's (and OpenAI's), so
// its own cost is a few writes. "flushed" flushes every event, as a paced
// model server does, so the client reads them one by one; "batched" sends
// the whole turn in as few writes as the buffers allow.
func BenchmarkStreamRelay(b *testing.B) {
	const tokens = 400
	var body bytes.Buffer
	chunk := func(delta, finish string) []byte {
		return fmt.Appendf(nil, `data: {"id":"chatcmpl-0123456789abcdef","object":"chat.completion.chunk","created":1700000000,`+
			`"model":"gpt-4o-mini","system_fingerprint":"fp_fakellm","choices":[{"index":0,"delta":%s,"logprobs":null,`+
			`"finish_reason":%s}],"usage":null}`+"\n\n", delta, finish)
	}
	var events [][]byte
	events = append(events, chunk(`{"role":"assistant","content":""}`, "null"))
	for i := range tokens {
		events = append(events, chunk(fmt.Sprintf(`{"content":" word%d"}`, i), "null"))
	}
	events = append(events, chunk(`{}`, `"stop"`),
		[]byte(`data: {"id":"chatcmpl-0123456789abcdef","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini",`+
			`"system_fingerprint":"fp_fakellm","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":400,"total_tokens":412}}`+"\n\n"),
		[]byte("data: [DONE]\n\n"))
	for _, e := range events {
		body.Write(e)
	}
	for _, mode := range []string{"flushed", "batched"} {
		b.Run(mode, func(b *testing.B) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "text/event-stream")
				if mode == "batched" {
					_, _ = w.Write(body.Bytes())
					return
				}
				rc := http.NewResponseController(w)
				for _, e := range events {
					_, _ = w.Write(e)
					_ = rc.Flush()
				}
			}))
			defer srv.Close()
			p, err := openai.New(openai.Config{BaseURL: srv.URL + "/v1", Model: "m", APIKey: "k"})
			if err != nil {
				b.Fatal(err)
			}
			req := &llm.Request{System: "s"}
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				if err := p.Stream(context.Background(), req, func(llm.Delta) error { n++; return nil }); err != nil || n != tokens+1 {
					b.Fatalf("%d deltas, %v", n, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*tokens), "ns/token")
		})
	}
}
