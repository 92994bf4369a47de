package llmtest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/agentd/agentd/llm"
)

func testText(t *testing.T, tg Target) {
	s := tg.Serve(t, Reply{Chunks: Text("Hel", "lo, ", "world"), Usage: &llm.Usage{InputTokens: 12, OutputTokens: 3}})
	c, err := Stream(t, tg.New(t, s.URL), Hello())
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	want := []llm.Delta{
		{Text: "Hel"}, {Text: "lo, "}, {Text: "world"},
		{Usage: &llm.Usage{InputTokens: 12, OutputTokens: 3}},
	}
	got := c.Deltas
	if n := len(got); n > 0 && got[n-1].Usage != nil {
		u := *got[n-1].Usage
		u.Model = "" // the provider's configured model, which Target does not know
		got[n-1].Usage = &u
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("deltas = %+v, want %+v", got, want)
	}
}

func testToolCallArgsSplit(t *testing.T, tg Target) {
	s := tg.Serve(t, Reply{Chunks: ToolCall(0, "call_1", "get_weather", `{"ci`, `ty": "Pa`, `ris", "days"`, `: 3}`)})
	c, err := Stream(t, tg.New(t, s.URL), Hello())
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	calls := c.MustToolCalls(t)
	if len(calls) != 1 {
		t.Fatalf("calls = %+v, want 1", calls)
	}
	if calls[0].ID != "call_1" || calls[0].Name != "get_weather" || calls[0].Index != 0 {
		t.Errorf("call = %+v, want call_1 get_weather at index 0", calls[0])
	}
	EqualJSON(t, "arguments", json.RawMessage(calls[0].Args), `{"city": "Paris", "days": 3}`)
	if c.Text() != "" {
		t.Errorf("text = %q, want none", c.Text())
	}
	// One delta per scripted piece: the first carries ID and Name, four
	// carry fragments. Empty fragments a format adds (Anthropic's first
	// input_json_delta) are dropped.
	if len(c.Deltas) != 5 {
		t.Errorf("got %d deltas, want 5: %+v", len(c.Deltas), c.Deltas)
	}
}

func testTextThenParallelToolCalls(t *testing.T, tg Target) {
	s := tg.Serve(t, Reply{
		Chunks: Chunks(
			Text("Checking ", "both."),
			ToolCall(0, "call_1", "get_weather", `{"city":`, `"Paris"}`),
			ToolCall(1, "call_2", "get_time", `{"tz":"Europe/`, `Paris"}`),
		),
		Usage: &llm.Usage{InputTokens: 40, OutputTokens: 20, CachedInputTokens: 32},
	})
	c, err := Stream(t, tg.New(t, s.URL), Hello())
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if c.Text() != "Checking both." {
		t.Errorf("text = %q", c.Text())
	}
	// Tool calls count from 0 although text came first (in the Anthropic
	// format, as content block 0).
	want := []Call{
		{Index: 0, ID: "call_1", Name: "get_weather", Args: `{"city":"Paris"}`},
		{Index: 1, ID: "call_2", Name: "get_time", Args: `{"tz":"Europe/Paris"}`},
	}
	if calls := c.MustToolCalls(t); !reflect.DeepEqual(calls, want) {
		t.Errorf("calls = %+v, want %+v", calls, want)
	}
	// Cached tokens count within the input, whatever the wire says.
	if u := c.Usage(); u == nil || u.InputTokens != 40 || u.OutputTokens != 20 || u.CachedInputTokens != 32 {
		t.Errorf("usage = %+v, want 40 in (32 cached), 20 out", u)
	}
}

func testEmitError(t *testing.T, tg Target) {
	s := tg.Serve(t, Reply{Chunks: Text("a", "b", "c")})
	stop := errors.New("client went away")
	n := 0
	err := tg.New(t, s.URL).Stream(context.Background(), Hello(), func(llm.Delta) error {
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
