package anthropic_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/anthropic"
	"github.com/agentd/agentd/llm/llmtest"
)

const testKey = "sk-ant-test-0123456789abcdef"

func newProvider(t *testing.T, s *llmtest.Server) *anthropic.Provider {
	t.Helper()
	p, err := anthropic.New(anthropic.Config{APIKey: testKey, BaseURL: s.URL, Model: "claude-test", MaxTokens: 1000})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func hello() *llm.Request {
	return &llm.Request{Messages: []agui.Message{{ID: "u1", Role: agui.RoleUser, Content: agui.TextContent("hi")}}}
}

func TestStream_Text(t *testing.T) {
	t.Parallel()
	s := llmtest.NewAnthropic(t, llmtest.Reply{
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

func TestStream_ToolCallArgsSplitAcrossChunks(t *testing.T) {
	t.Parallel()
	s := llmtest.NewAnthropic(t, llmtest.Reply{
		Chunks: llmtest.ToolCall(0, "toolu_01", "get_weather", `{"ci`, `ty": "Pa`, `ris", "days"`, `: 3}`),
	})
	c, err := llmtest.Stream(t, newProvider(t, s), hello())
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	calls := toolCalls(t, c)
	if len(calls) != 1 {
		t.Fatalf("calls = %+v, want 1", calls)
	}
	if calls[0].ID != "toolu_01" || calls[0].Name != "get_weather" || calls[0].Index != 0 {
		t.Errorf("call = %+v, want toolu_01 get_weather at index 0", calls[0])
	}
	assertArgs(t, calls[0].Args, `{"city": "Paris", "days": 3}`)
	// The empty first input_json_delta is dropped: a start and four fragments.
	if len(c.Deltas) != 5 {
		t.Errorf("got %d deltas, want 5: %+v", len(c.Deltas), c.Deltas)
	}
}

func TestStream_TextThenParallelToolCalls(t *testing.T) {
	t.Parallel()
	s := llmtest.NewAnthropic(t, llmtest.Reply{
		Chunks: llmtest.Chunks(
			llmtest.Text("Checking ", "both."),
			llmtest.ToolCall(0, "toolu_1", "get_weather", `{"city":`, `"Paris"}`),
			llmtest.ToolCall(1, "toolu_2", "get_time", `{"tz":"Europe/`, `Paris"}`),
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
	// Tool calls count from 0 although the text is content block 0.
	want := []llmtest.Call{
		{Index: 0, ID: "toolu_1", Name: "get_weather", Args: `{"city":"Paris"}`},
		{Index: 1, ID: "toolu_2", Name: "get_time", Args: `{"tz":"Europe/Paris"}`},
	}
	if calls := toolCalls(t, c); !reflect.DeepEqual(calls, want) {
		t.Errorf("calls = %+v, want %+v", calls, want)
	}
	if u := c.Usage(); u == nil || *u != (llm.Usage{InputTokens: 40, OutputTokens: 20}) {
		t.Errorf("usage = %+v", u)
	}
}

func TestStream_ToolWithoutArgumentsGetsEmptyObject(t *testing.T) {
	t.Parallel()
	s := llmtest.NewAnthropic(t, llmtest.Reply{Chunks: llmtest.ToolCall(0, "toolu_1", "now")})
	c, err := llmtest.Stream(t, newProvider(t, s), hello())
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	want := []llmtest.Call{{Index: 0, ID: "toolu_1", Name: "now", Args: "{}"}}
	if calls := toolCalls(t, c); !reflect.DeepEqual(calls, want) {
		t.Errorf("calls = %+v, want %+v", calls, want)
	}
}

func TestStream_RecordedFixture(t *testing.T) {
	t.Parallel()
	s := llmtest.NewAnthropic(t, llmtest.Reply{Raw: llmtest.Fixture(t, "anthropic_tool_use.sse")})
	c, err := llmtest.Stream(t, newProvider(t, s), hello())
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
	if calls := toolCalls(t, c); !reflect.DeepEqual(calls, want) {
		t.Errorf("calls = %+v, want %+v", calls, want)
	}
	if u := c.Usage(); u == nil || *u != (llm.Usage{InputTokens: 472, OutputTokens: 89}) {
		t.Errorf("usage = %+v, want 472 in, 89 out", u)
	}
}

func TestStream_EmitErrorIsReturnedAsIs(t *testing.T) {
	t.Parallel()
	s := llmtest.NewAnthropic(t, llmtest.Reply{Chunks: llmtest.Text("a", "b", "c")})
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
