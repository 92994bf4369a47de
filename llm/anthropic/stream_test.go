package anthropic_test

import (
	"reflect"
	"testing"

	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/anthropic"
	"github.com/agentd/agentd/llm/llmtest"
)

const testKey = "sk-ant-test-0123456789abcdef"

// target is the provider under test, on llmtest's Anthropic server.
var target = llmtest.Target{Name: "anthropic", Serve: llmtest.NewAnthropic,
	New: func(t testing.TB, baseURL string) llm.Provider {
		t.Helper()
		p, err := anthropic.New(anthropic.Config{APIKey: testKey, BaseURL: baseURL, Model: "claude-test", MaxTokens: 1000})
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
	s := llmtest.NewAnthropic(t, llmtest.Reply{Chunks: llmtest.Text("ok")})
	if _, err := llmtest.Stream(t, newProvider(t, s), llmtest.Hello()); err != nil {
		t.Fatalf("Stream: %v", err)
	}
	req := s.Last()
	if got := req.Header.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("Authorization = %q, want the bearer key", got)
	}
	if req.Header.Get("Anthropic-Version") == "" {
		t.Errorf("no anthropic-version header")
	}
	body := req.JSON(t)
	if body["model"] != "claude-test" || body["stream"] != true || body["max_tokens"] != 1000.0 {
		t.Errorf("model, stream, max_tokens = %v, %v, %v", body["model"], body["stream"], body["max_tokens"])
	}
	for _, k := range []string{"system", "tools"} {
		if v, ok := body[k]; ok {
			t.Errorf("%s sent for a request without one: %v", k, v)
		}
	}
}

func TestStream_ToolWithoutArgumentsGetsEmptyObject(t *testing.T) {
	t.Parallel()
	s := llmtest.NewAnthropic(t, llmtest.Reply{Chunks: llmtest.ToolCall(0, "toolu_1", "now")})
	c, err := llmtest.Stream(t, newProvider(t, s), llmtest.Hello())
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	want := []llmtest.Call{{Index: 0, ID: "toolu_1", Name: "now", Args: "{}"}}
	if calls := c.MustToolCalls(t); !reflect.DeepEqual(calls, want) {
		t.Errorf("calls = %+v, want %+v", calls, want)
	}
}

func TestStream_RecordedFixture(t *testing.T) {
	t.Parallel()
	s := llmtest.NewAnthropic(t, llmtest.Reply{Raw: llmtest.Fixture(t, "anthropic_tool_use.sse")})
	c, err := llmtest.Stream(t, newProvider(t, s), llmtest.Hello())
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if want := "Okay, let's check the weather for San Francisco, CA:"; c.Text() != want {
		t.Errorf("text = %q, want %q", c.Text(), want)
	}
	want := []llmtest.Call{
		{Index: 0, ID: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", Name: "get_weather", Args: `{"location": "San Francisco, CA", "unit": "fahrenheit"}`},
		{Index: 1, ID: "toolu_01Vw9QmB2xz3fJ5uYc7Lh8Ra", Name: "get_time", Args: `{}`},
	}
	if calls := c.MustToolCalls(t); !reflect.DeepEqual(calls, want) {
		t.Errorf("calls = %+v, want %+v", calls, want)
	}
	if u := c.Usage(); u == nil || *u != (llm.Usage{InputTokens: 472, OutputTokens: 89, Model: "claude-test"}) {
		t.Errorf("usage = %+v, want 472 in, 89 out", u)
	}
}
