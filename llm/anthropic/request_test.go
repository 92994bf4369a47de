package anthropic_test

import (
	"encoding/json"
	"testing"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/anthropic"
	"github.com/agentd/agentd/llm/llmtest"
)

func TestStream_RequestConversion(t *testing.T) {
	t.Parallel()
	s := llmtest.NewAnthropic(t, llmtest.Reply{Chunks: llmtest.Text("ok")})
	req := &llm.Request{
		System: "You are terse.",
		Messages: []agui.Message{
			{ID: "u1", Role: agui.RoleUser, Content: agui.TextContent("Weather in Paris and Rome?")},
			{ID: "a1", Role: agui.RoleAssistant, Content: agui.TextContent("Looking."), ToolCalls: []agui.ToolCall{
				{ID: "call_1", Type: "function", Function: agui.FunctionCall{Name: "get_weather", Arguments: `{"city":"Paris"}`}},
				{ID: "call_2", Type: "function", Function: agui.FunctionCall{Name: "get_weather", Arguments: `{"city":"Rome"}`}},
			}},
			{ID: "t1", Role: agui.RoleTool, ToolCallID: "call_1", Content: agui.TextContent(`{"temp":18}`)},
			{ID: "t2", Role: agui.RoleTool, ToolCallID: "call_2", Error: "weather service timed out"},
			{ID: "r1", Role: agui.RoleReasoning, Content: agui.TextContent("internal thoughts")},
			{ID: "a2", Role: agui.RoleAssistant, ToolCalls: []agui.ToolCall{
				{ID: "call_3", Type: "function", Function: agui.FunctionCall{Name: "now", Arguments: `not json`}},
			}},
			{ID: "t3", Role: agui.RoleTool, ToolCallID: "call_3", Content: json.RawMessage(`[{"type":"text","text":"12:00"}]`)},
			{ID: "a3", Role: agui.RoleAssistant, Content: agui.TextContent("Paris is 18°C.")},
			{ID: "a4", Role: agui.RoleAssistant, Content: agui.TextContent("Anything else?")},
			{ID: "a5", Role: agui.RoleAssistant, Content: agui.TextContent("")},
			{ID: "d1", Role: agui.RoleDeveloper, Content: agui.TextContent("Answer in English.")},
			{ID: "u2", Role: agui.RoleUser, Content: json.RawMessage(`[
				{"type":"text","text":"And these?"},
				{"type":"image","source":{"type":"url","value":"https://example.com/a.png"}},
				{"type":"image","source":{"type":"data","value":"iVBORw0K","mimeType":"image/png"}},
				{"type":"audio","source":{"type":"url","value":"https://example.com/a.mp3"}}
			]`)},
			{ID: "u3", Role: agui.RoleUser, Content: agui.TextContent("Thanks.")},
		},
		Tools: []llm.Tool{
			{Name: "get_weather", Description: "Current weather for a city.",
				Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}`)},
			{Name: "now", Description: "The current time."},
		},
	}
	if _, err := llmtest.Stream(t, newProvider(t, s), req); err != nil {
		t.Fatalf("Stream: %v", err)
	}
	body := s.Last().JSON(t)
	llmtest.EqualJSON(t, "system", body["system"], `[{"type":"text","text":"You are terse.\n\nAnswer in English."}]`)
	llmtest.EqualJSON(t, "messages", body["messages"], `[
		{"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"}]},
		{"role":"assistant","content":[
			{"type":"text","text":"Looking."},
			{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}},
			{"type":"tool_use","id":"call_2","name":"get_weather","input":{"city":"Rome"}}
		]},
		{"role":"user","content":[
			{"type":"tool_result","tool_use_id":"call_1","content":[{"type":"text","text":"{\"temp\":18}"}]},
			{"type":"tool_result","tool_use_id":"call_2","is_error":true,"content":[{"type":"text","text":"Error: weather service timed out"}]}
		]},
		{"role":"assistant","content":[{"type":"tool_use","id":"call_3","name":"now","input":{}}]},
		{"role":"user","content":[{"type":"tool_result","tool_use_id":"call_3","content":[{"type":"text","text":"12:00"}]}]},
		{"role":"assistant","content":[{"type":"text","text":"Paris is 18°C."},{"type":"text","text":"Anything else?"}]},
		{"role":"user","content":[
			{"type":"text","text":"And these?"},
			{"type":"image","source":{"type":"url","url":"https://example.com/a.png"}},
			{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0K"}},
			{"type":"text","text":"Thanks."}
		]}
	]`)
	llmtest.EqualJSON(t, "tools", body["tools"], `[
		{"name":"get_weather","description":"Current weather for a city.","input_schema":{
			"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}},
		{"name":"now","description":"The current time.","input_schema":{"type":"object","properties":{}}}
	]`)
}

// A user message sent while a tool ran lands between the call and its
// result; the result must still lead the user turn.
func TestStream_ToolResultLeadsMergedUserTurn(t *testing.T) {
	t.Parallel()
	s := llmtest.NewAnthropic(t, llmtest.Reply{Chunks: llmtest.Text("ok")})
	req := &llm.Request{Messages: []agui.Message{
		{ID: "u1", Role: agui.RoleUser, Content: agui.TextContent("run it")},
		{ID: "a1", Role: agui.RoleAssistant, ToolCalls: []agui.ToolCall{{ID: "c1", Type: "function", Function: agui.FunctionCall{Name: "f", Arguments: "{}"}}}},
		{ID: "u2", Role: agui.RoleUser, Content: agui.TextContent("still there?")},
		{ID: "t1", Role: agui.RoleTool, ToolCallID: "c1", Content: agui.TextContent("done"), Error: "exit status 1"},
	}}
	if _, err := llmtest.Stream(t, newProvider(t, s), req); err != nil {
		t.Fatalf("Stream: %v", err)
	}
	msgs := s.Last().JSON(t)["messages"].([]any)
	if len(msgs) != 3 {
		t.Fatalf("got %d messages, want 3: %v", len(msgs), msgs)
	}
	llmtest.EqualJSON(t, "last user turn", msgs[2], `{"role":"user","content":[
		{"type":"tool_result","tool_use_id":"c1","is_error":true,"content":[
			{"type":"text","text":"done"},{"type":"text","text":"Error: exit status 1"}]},
		{"type":"text","text":"still there?"}
	]}`)
}

func TestStream_InvalidToolSchemaIsABadRequest(t *testing.T) {
	t.Parallel()
	req := llmtest.Hello()
	req.Tools = []llm.Tool{{Name: "f", Parameters: json.RawMessage(`{"type":"object","required":"city"}`)}}
	target.CheckBadRequest(t, req)
}

func TestNew_Validates(t *testing.T) {
	t.Parallel()
	for _, cfg := range []anthropic.Config{
		{BaseURL: "http://127.0.0.1:1"},         // no model
		{Model: "m", BaseURL: "127.0.0.1:8080"}, // no scheme
		{Model: "m", BaseURL: "http://[::1"},    // unparseable
		{Model: "m", MaxTokens: -1},             // negative cap
	} {
		if _, err := anthropic.New(cfg); err == nil {
			t.Errorf("New(%+v) = nil error, want one", cfg)
		}
	}
	p, err := anthropic.New(anthropic.Config{Model: "m"})
	if err != nil || p.Name() != "anthropic" {
		t.Errorf("New with defaults = %v, %v; want a provider named anthropic", p, err)
	}
}

func TestStream_DefaultMaxTokens(t *testing.T) {
	t.Parallel()
	s := llmtest.NewAnthropic(t, llmtest.Reply{Chunks: llmtest.Text("ok")})
	p, err := anthropic.New(anthropic.Config{APIKey: testKey, BaseURL: s.URL, Model: "claude-test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := llmtest.Stream(t, p, llmtest.Hello()); err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if got := s.Last().JSON(t)["max_tokens"]; got != float64(anthropic.DefaultMaxTokens) {
		t.Errorf("max_tokens = %v, want %d", got, anthropic.DefaultMaxTokens)
	}
}
