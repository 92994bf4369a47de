package openai_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/llmtest"
	"github.com/agentd/agentd/llm/openai"
)

const testKey = "sk-test-0123456789abcdef"

func newProvider(t *testing.T, s *llmtest.Server) *openai.Provider {
	t.Helper()
	p, err := openai.New(openai.Config{APIKey: testKey, BaseURL: s.URL, Model: "gpt-test"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// hello is the smallest valid request.
func hello() *llm.Request {
	return &llm.Request{Messages: []agui.Message{{ID: "u1", Role: agui.RoleUser, Content: agui.TextContent("hi")}}}
}

func TestStream_Text(t *testing.T) {
	t.Parallel()
	s := llmtest.NewOpenAI(t, llmtest.Reply{
		Chunks: llmtest.Text("Hel", "lo, ", "world"),
		Usage:  &llm.Usage{InputTokens: 12, OutputTokens: 3},
	})
	c, err := llmtest.Stream(t, newProvider(t, s), hello())
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	want := []llm.Delta{
		{Text: "Hel"}, {Text: "lo, "}, {Text: "world"},
		{Usage: &llm.Usage{InputTokens: 12, OutputTokens: 3}},
	}
	if !reflect.DeepEqual(c.Deltas, want) {
		t.Errorf("deltas = %+v, want %+v", c.Deltas, want)
	}

	req := s.Last()
	if got := req.Header.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("Authorization = %q, want the bearer key", got)
	}
	body := req.JSON(t)
	if body["model"] != "gpt-test" || body["stream"] != true {
		t.Errorf("model, stream = %v, %v; want gpt-test, true", body["model"], body["stream"])
	}
	llmtest.EqualJSON(t, "stream_options", body["stream_options"], `{"include_usage": true}`)
	if _, ok := body["tools"]; ok {
		t.Errorf("tools sent for a request without tools: %v", body["tools"])
	}
}

func TestStream_ToolCallArgsSplitAcrossChunks(t *testing.T) {
	t.Parallel()
	s := llmtest.NewOpenAI(t, llmtest.Reply{
		Chunks: llmtest.ToolCall(0, "call_abc", "get_weather", `{"ci`, `ty": "Pa`, `ris", "days"`, `: 3}`),
	})
	c, err := llmtest.Stream(t, newProvider(t, s), hello())
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	calls := toolCalls(t, c)
	if len(calls) != 1 {
		t.Fatalf("calls = %+v, want 1", calls)
	}
	if calls[0].ID != "call_abc" || calls[0].Name != "get_weather" || calls[0].Index != 0 {
		t.Errorf("call = %+v, want call_abc get_weather at index 0", calls[0])
	}
	assertArgs(t, calls[0].Args, `{"city": "Paris", "days": 3}`)
	if c.Text() != "" {
		t.Errorf("text = %q, want none", c.Text())
	}
	// One delta per wire chunk: the first carries ID and Name, four carry fragments.
	if len(c.Deltas) != 5 {
		t.Errorf("got %d deltas, want 5: %+v", len(c.Deltas), c.Deltas)
	}
}

func TestStream_TextThenParallelToolCalls(t *testing.T) {
	t.Parallel()
	s := llmtest.NewOpenAI(t, llmtest.Reply{
		Chunks: llmtest.Chunks(
			llmtest.Text("Checking ", "both."),
			llmtest.ToolCall(0, "call_1", "get_weather", `{"city":`, `"Paris"}`),
			llmtest.ToolCall(1, "call_2", "get_time", `{"tz":"Europe/`, `Paris"}`),
		),
		Usage: &llm.Usage{InputTokens: 40, OutputTokens: 20},
	})
	c, err := llmtest.Stream(t, newProvider(t, s), hello())
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if c.Text() != "Checking both." {
		t.Errorf("text = %q", c.Text())
	}
	calls := toolCalls(t, c)
	if len(calls) != 2 {
		t.Fatalf("calls = %+v, want 2", calls)
	}
	for i, want := range []llmtest.Call{
		{Index: 0, ID: "call_1", Name: "get_weather", Args: `{"city":"Paris"}`},
		{Index: 1, ID: "call_2", Name: "get_time", Args: `{"tz":"Europe/Paris"}`},
	} {
		if calls[i] != want {
			t.Errorf("call %d = %+v, want %+v", i, calls[i], want)
		}
	}
	if u := c.Usage(); u == nil || *u != (llm.Usage{InputTokens: 40, OutputTokens: 20}) {
		t.Errorf("usage = %+v", u)
	}
}

// Some compatible servers send every call whole at index 0; distinct IDs
// must still give distinct calls.
func TestStream_CallsSharingAWireIndex(t *testing.T) {
	t.Parallel()
	s := llmtest.NewOpenAI(t, llmtest.Reply{Chunks: []llmtest.Chunk{
		{Tool: &llmtest.ToolChunk{Index: 0, ID: "call_a", Name: "f", Args: `{"n":1}`}},
		{Tool: &llmtest.ToolChunk{Index: 0, ID: "call_b", Name: "g", Args: `{"n":2}`}},
	}})
	c, err := llmtest.Stream(t, newProvider(t, s), hello())
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	calls := toolCalls(t, c)
	want := []llmtest.Call{{Index: 0, ID: "call_a", Name: "f", Args: `{"n":1}`}, {Index: 1, ID: "call_b", Name: "g", Args: `{"n":2}`}}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("calls = %+v, want %+v", calls, want)
	}
}

func TestStream_RecordedFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture string
		calls   []llmtest.Call
		usage   llm.Usage
	}{
		{"openai_parallel_tools.sse", []llmtest.Call{
			{Index: 0, ID: "call_Q2mN7dVxk1", Name: "get_weather", Args: `{"location": "Paris, France"}`},
			{Index: 1, ID: "call_b7Rk0Zs3Wd", Name: "get_weather", Args: `{"location": "Bogotá, Colombia"}`},
		}, llm.Usage{InputTokens: 82, OutputTokens: 54}},
		{"ollama_tool_call.sse", []llmtest.Call{
			{Index: 0, ID: "call_u4kxo1xl", Name: "get_weather", Args: `{"location":"Paris"}`},
		}, llm.Usage{InputTokens: 150, OutputTokens: 18}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			s := llmtest.NewOpenAI(t, llmtest.Reply{Raw: llmtest.Fixture(t, tt.fixture)})
			c, err := llmtest.Stream(t, newProvider(t, s), hello())
			if err != nil {
				t.Fatalf("Stream: %v", err)
			}
			if calls := toolCalls(t, c); !reflect.DeepEqual(calls, tt.calls) {
				t.Errorf("calls = %+v, want %+v", calls, tt.calls)
			}
			if u := c.Usage(); u == nil || *u != tt.usage {
				t.Errorf("usage = %+v, want %+v", u, tt.usage)
			}
		})
	}
}

func TestStream_EmitErrorIsReturnedAsIs(t *testing.T) {
	t.Parallel()
	s := llmtest.NewOpenAI(t, llmtest.Reply{Chunks: llmtest.Text("a", "b", "c")})
	stop := errors.New("client went away")
	n := 0
	err := newProvider(t, s).Stream(context.Background(), hello(), func(llm.Delta) error {
		n++
		return stop
	})
	if err != stop {
		t.Errorf("err = %v, want the emit error itself", err)
	}
	if n != 1 {
		t.Errorf("emit called %d times after failing, want 1", n)
	}
}

func toolCalls(t *testing.T, c *llmtest.Collector) []llmtest.Call {
	t.Helper()
	calls, err := c.ToolCalls()
	if err != nil {
		t.Fatal(err)
	}
	return calls
}

// assertArgs checks that args is valid JSON equal to want.
func assertArgs(t *testing.T, args, want string) {
	t.Helper()
	var got any
	if err := json.Unmarshal([]byte(args), &got); err != nil {
		t.Fatalf("arguments %q are not valid JSON: %v", args, err)
	}
	llmtest.EqualJSON(t, "arguments", got, want)
}
