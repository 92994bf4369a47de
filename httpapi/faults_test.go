package httpapi_test

import (
	"testing"
	"time"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm/guard"
	"github.com/agentd/agentd/llm/llmtest"
	"github.com/agentd/agentd/llm/openai"
)

// TestModelFaults drives runs through the real OpenAI adapter against a
// local server misbehaving in each way, and checks how each run ends and
// that the thread holds only whole turns.
func TestModelFaults(t *testing.T) {
	t.Parallel()
	limits := guard.Limits{FirstToken: 300 * time.Millisecond, Idle: 300 * time.Millisecond, Attempts: 3, Backoff: 10 * time.Millisecond}
	fail500 := llmtest.Reply{Status: 500, ErrorType: "server_error", Message: "down"}
	tests := []struct {
		name    string
		replies []llmtest.Reply
		code    string // "" means RUN_FINISHED
		stored  int    // messages in the thread afterwards
	}{
		{"never sends a token", []llmtest.Reply{{End: llmtest.Hang}}, "first_token_timeout", 1},
		{"stalls mid-stream", []llmtest.Reply{{Chunks: llmtest.Text("half an ans"), End: llmtest.Hang}}, "idle_timeout", 1},
		{"cut mid-stream", []llmtest.Reply{{Chunks: llmtest.Text("half"), End: llmtest.Cut}}, "model_stream", 1},
		{"429 then success", []llmtest.Reply{{Status: 429, RetryAfter: "0", ErrorType: "rate_limit_exceeded", Message: "slow"},
			{Chunks: llmtest.Text("fine", " now")}}, "", 2},
		{"500 forever", []llmtest.Reply{fail500, fail500, fail500}, "model_unavailable", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := llmtest.NewOpenAI(t, tt.replies...)
			p, err := openai.New(openai.Config{BaseURL: srv.URL, Model: "m", APIKey: "k"})
			if err != nil {
				t.Fatal(err)
			}
			b := setup(t, options{model: guard.Wrap(p, limits, nil)})
			in := input(newID("t"), userMsg("hello"))
			res := b.post("/", in)
			last := res.last()
			if tt.code == "" {
				res.mustFinish(t, in)
			} else if last.Type != agui.RunError || last.Code != tt.code {
				t.Fatalf("ended with %+v, want RUN_ERROR %s", last, tt.code)
			}
			msgs, _ := b.thread(in.ThreadID)
			if len(msgs) != tt.stored || msgs[0].ID != in.Messages[0].ID {
				t.Fatalf("stored %+v, want %d messages starting with the user's", msgs, tt.stored)
			}
			// The thread is free and consistent: the next turn runs.
			srv.Add(llmtest.Reply{Chunks: llmtest.Text("next")})
			next := input(in.ThreadID, in.Messages[0], userMsg("again"))
			b.post("/", next).mustFinish(t, next)
		})
	}
}
