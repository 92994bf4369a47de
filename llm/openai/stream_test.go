package openai_test

import (
	"reflect"
	"testing"

	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/llmtest"
	"github.com/agentd/agentd/llm/openai"
)

const testKey = "sk-test-0123456789abcdef"

// target is the provider under test, on llmtest's OpenAI server.
var target = llmtest.Target{Name: "openai", Serve: llmtest.NewOpenAI,
	New: func(t testing.TB, baseURL string) llm.Provider {
		t.Helper()
		p, err := openai.New(openai.Config{APIKey: testKey, BaseURL: baseURL, Model: "gpt-test"})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		return p
	}}

func newProvider(t testing.TB, s *llmtest.Server) llm.Provider { return target.New(t, s.URL) }

func TestContract(t *testing.T) {
	t.Parallel()
	llmtest.RunContract(t, target)
}

// TestStream_Request checks the headers and body of the simplest request;
// the contract checks the deltas.
func TestStream_Request(t *testing.T) {
	t.Parallel()
	s := llmtest.NewOpenAI(t, llmtest.Reply{Chunks: llmtest.Text("ok")})
	if _, err := llmtest.Stream(t, newProvider(t, s), llmtest.Hello()); err != nil {
		t.Fatalf("Stream: %v", err)
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

// Some compatible servers send every call whole at index 0; distinct IDs
// must still give distinct calls.
func TestStream_CallsSharingAWireIndex(t *testing.T) {
	t.Parallel()
	s := llmtest.NewOpenAI(t, llmtest.Reply{Chunks: []llmtest.Chunk{
		{Tool: &llmtest.ToolChunk{Index: 0, ID: "call_a", Name: "f", Args: `{"n":1}`}},
		{Tool: &llmtest.ToolChunk{Index: 0, ID: "call_b", Name: "g", Args: `{"n":2}`}},
	}})
	c, err := llmtest.Stream(t, newProvider(t, s), llmtest.Hello())
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	calls := c.MustToolCalls(t)
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
		}, llm.Usage{InputTokens: 82, OutputTokens: 54, Model: "gpt-test"}},
		{"ollama_tool_call.sse", []llmtest.Call{
			{Index: 0, ID: "call_u4kxo1xl", Name: "get_weather", Args: `{"location":"Paris"}`},
		}, llm.Usage{InputTokens: 150, OutputTokens: 18, Model: "gpt-test"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			s := llmtest.NewOpenAI(t, llmtest.Reply{Raw: llmtest.Fixture(t, tt.fixture)})
			c, err := llmtest.Stream(t, newProvider(t, s), llmtest.Hello())
			if err != nil {
				t.Fatalf("Stream: %v", err)
			}
			if calls := c.MustToolCalls(t); !reflect.DeepEqual(calls, tt.calls) {
				t.Errorf("calls = %+v, want %+v", calls, tt.calls)
			}
			if u := c.Usage(); u == nil || *u != tt.usage {
				t.Errorf("usage = %+v, want %+v", u, tt.usage)
			}
		})
	}
}
