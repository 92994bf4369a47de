package openai_test

import (
	"encoding/json"
	"testing"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/llmtest"
	"github.com/agentd/agentd/llm/openai"
)

// conversation is a full turn history: every role, tool calls and their
// results (one failed), and content-part arrays.
func conversation() *llm.Request {
	return &llm.Request{
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
				{ID: "call_3", Type: "function", Function: agui.FunctionCall{Name: "now", Arguments: `{}`}},
			}},
			{ID: "t3", Role: agui.RoleTool, ToolCallID: "call_3", Content: json.RawMessage(`[{"type":"text","text":"12:00"}]`)},
			{ID: "a3", Role: agui.RoleAssistant, Content: agui.TextContent("Paris is 18°C.")},
			{ID: "d1", Role: agui.RoleDeveloper, Content: agui.TextContent("Answer in English.")},
			{ID: "u2", Role: agui.RoleUser, Content: json.RawMessage(`[
				{"type":"text","text":"And these?"},
				{"type":"image","source":{"type":"url","value":"https://example.com/a.png"}},
				{"type":"image","source":{"type":"data","value":"iVBORw0K","mimeType":"image/png"}},
				{"type":"audio","source":{"type":"url","value":"https://example.com/a.mp3"}}
			]`)},
			{ID: "u3", Role: agui.RoleUser, Content: json.RawMessage(`[{"type":"text","text":"line one"},{"type":"text","text":"line two"}]`)},
		},
		Tools: []llm.Tool{
			{Name: "get_weather", Description: "Current weather for a city.",
				Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)},
			{Name: "now", Description: "The current time."},
		},
	}
}

func TestStream_RequestConversion(t *testing.T) {
	t.Parallel()
	s := llmtest.NewOpenAI(t, llmtest.Reply{Chunks: llmtest.Text("ok")})
	if _, err := llmtest.Stream(t, newProvider(t, s), conversation()); err != nil {
		t.Fatalf("Stream: %v", err)
	}
	body := s.Last().JSON(t)
	llmtest.EqualJSON(t, "messages", body["messages"], `[
		{"role":"system","content":"You are terse."},
		{"role":"user","content":"Weather in Paris and Rome?"},
		{"role":"assistant","content":"Looking.","tool_calls":[
			{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
			{"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}
		]},
		{"role":"tool","tool_call_id":"call_1","content":"{\"temp\":18}"},
		{"role":"tool","tool_call_id":"call_2","content":"Error: weather service timed out"},
		{"role":"assistant","tool_calls":[
			{"id":"call_3","type":"function","function":{"name":"now","arguments":"{}"}}
		]},
		{"role":"tool","tool_call_id":"call_3","content":"12:00"},
		{"role":"assistant","content":"Paris is 18°C."},
		{"role":"system","content":"Answer in English."},
		{"role":"user","content":[
			{"type":"text","text":"And these?"},
			{"type":"image_url","image_url":{"url":"https://example.com/a.png"}},
			{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0K"}}
		]},
		{"role":"user","content":"line one\nline two"}
	]`)
	llmtest.EqualJSON(t, "tools", body["tools"], `[
		{"type":"function","function":{"name":"get_weather","description":"Current weather for a city.",
			"parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
		{"type":"function","function":{"name":"now","description":"The current time.",
			"parameters":{"type":"object","properties":{}}}}
	]`)
}

func TestStream_ToolResultWithContentAndError(t *testing.T) {
	t.Parallel()
	s := llmtest.NewOpenAI(t, llmtest.Reply{Chunks: llmtest.Text("ok")})
	req := &llm.Request{Messages: []agui.Message{
		{ID: "a1", Role: agui.RoleAssistant, ToolCalls: []agui.ToolCall{{ID: "c1", Type: "function", Function: agui.FunctionCall{Name: "f", Arguments: "{}"}}}},
		{ID: "t1", Role: agui.RoleTool, ToolCallID: "c1", Content: agui.TextContent("partial output"), Error: "exit status 1"},
	}}
	if _, err := llmtest.Stream(t, newProvider(t, s), req); err != nil {
		t.Fatalf("Stream: %v", err)
	}
	msgs := s.Last().JSON(t)["messages"].([]any)
	llmtest.EqualJSON(t, "tool message", msgs[1], `{"role":"tool","tool_call_id":"c1","content":"partial output\n\nError: exit status 1"}`)
}

func TestStream_InvalidToolSchemaIsABadRequest(t *testing.T) {
	t.Parallel()
	req := llmtest.Hello()
	req.Tools = []llm.Tool{{Name: "f", Parameters: json.RawMessage(`["not an object"]`)}}
	target.CheckBadRequest(t, req)
}

func TestNew_Validates(t *testing.T) {
	t.Parallel()
	for _, cfg := range []openai.Config{
		{BaseURL: "http://127.0.0.1:1/v1"},            // no model
		{Model: "m", BaseURL: "127.0.0.1:11434/v1"},   // no scheme
		{Model: "m", BaseURL: "ftp://example.com/v1"}, // not http
		{Model: "m", BaseURL: "http://[::1"},          // unparseable
	} {
		if _, err := openai.New(cfg); err == nil {
			t.Errorf("New(%+v) = nil error, want one", cfg)
		}
	}
	p, err := openai.New(openai.Config{Model: "m"})
	if err != nil || p.Name() != "openai" {
		t.Errorf("New with defaults = %v, %v; want a provider named openai", p, err)
	}
}
