package fakellm_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/agentd/agentd/fakellm"
)

func TestStream_TextChunks(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{ReplyTokens: 12})
	body := chatBody(true, "hello")
	body["stream_options"] = map[string]any{"include_usage": true}
	res := streamChat(context.Background(), t, url, body, nil)
	if res.status != 200 || res.readErr != nil {
		t.Fatalf("status %d, read error %v", res.status, res.readErr)
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Errorf("Content-Type = %q", ct)
	}
	if !res.done {
		t.Fatal("stream did not end with data: [DONE]")
	}
	// opening role chunk + 12 tokens + finish chunk + usage chunk
	if got := len(res.chunks); got != 15 {
		t.Fatalf("got %d chunks, want 15", got)
	}
	id := res.chunks[0].ID
	for i, c := range res.chunks {
		if c.Object != "chat.completion.chunk" || c.ID != id || c.Model != "gpt-test" || c.Created == 0 {
			t.Errorf("chunk %d header = %+v", i, c)
		}
	}
	first := res.chunks[0].Choices[0]
	if first.Delta.Role != "assistant" || first.Delta.Content == nil || *first.Delta.Content != "" {
		t.Errorf("first delta = %+v, want role assistant and empty content", first.Delta)
	}
	for i, c := range res.chunks[1:13] {
		ch := c.Choices[0]
		if ch.Delta.Content == nil || *ch.Delta.Content == "" || ch.FinishReason != nil || ch.Delta.Role != "" {
			t.Errorf("token chunk %d = %+v", i, ch)
		}
	}
	if got := len(strings.Fields(res.text())); got != 12 {
		t.Errorf("text has %d words, want 12: %q", got, res.text())
	}
	fin := res.chunks[13].Choices[0]
	if fin.FinishReason == nil || *fin.FinishReason != "stop" || fin.Delta.Content != nil {
		t.Errorf("finish chunk = %+v", fin)
	}
	last := res.chunks[14]
	if len(last.Choices) != 0 || last.Usage == nil || last.Usage.CompletionTokens != 12 ||
		last.Usage.PromptTokens != 1 || last.Usage.TotalTokens != 13 {
		t.Errorf("usage chunk = %+v", last)
	}
}

func TestStream_NoUsageUnlessAsked(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{ReplyTokens: 3})
	res := streamChat(context.Background(), t, url, chatBody(true, "hi"), nil)
	if len(res.chunks) != 5 || !res.done {
		t.Fatalf("got %d chunks (done %v), want 5 and [DONE]", len(res.chunks), res.done)
	}
	for i, c := range res.chunks {
		if c.Usage != nil {
			t.Errorf("chunk %d has usage %+v", i, c.Usage)
		}
	}
}

func TestStream_MaxTokensEndsWithLength(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{ReplyTokens: 30})
	body := chatBody(true, "hi")
	body["max_completion_tokens"] = 5
	res := streamChat(context.Background(), t, url, body, nil)
	if got := len(strings.Fields(res.text())); got != 5 || res.finishReason() != "length" {
		t.Errorf("got %d words, finish %q; want 5 and length", got, res.finishReason())
	}
}

func TestStream_ToolCallOnCue(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{ArgChunks: 5})
	res := streamChat(context.Background(), t, url, chatBody(true, "please get_weather for Paris", weatherTool), nil)
	if !res.done || res.finishReason() != "tool_calls" {
		t.Fatalf("done %v, finish %q", res.done, res.finishReason())
	}
	open := res.chunks[0].Choices[0].Delta
	if len(open.ToolCalls) != 1 || open.ToolCalls[0].ID == "" || open.ToolCalls[0].Type != "function" ||
		open.ToolCalls[0].Function.Name != "get_weather" || *open.ToolCalls[0].Index != 0 || open.Role != "assistant" {
		t.Fatalf("opening delta = %+v", open)
	}
	argChunks := 0
	for _, c := range res.chunks[1:] {
		for _, tc := range c.Choices[0].Delta.ToolCalls {
			argChunks++
			if tc.ID != "" || tc.Function.Name != "" || tc.Index == nil {
				t.Errorf("argument chunk repeats id/name or lacks index: %+v", tc)
			}
		}
	}
	if argChunks < 2 {
		t.Errorf("arguments came in %d chunks, want them split", argChunks)
	}
	names, args := res.toolArgs()
	var got struct {
		City *string `json:"city"`
		Days *int    `json:"days"`
	}
	if err := json.Unmarshal([]byte(args[0]), &got); err != nil || got.City == nil || got.Days == nil {
		t.Fatalf("arguments %q: %v (want city and days)", args[0], err)
	}
	if names[0] != "get_weather" || res.text() != "" {
		t.Errorf("name %q, text %q", names[0], res.text())
	}
}

func TestStream_ToolModes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		mode     fakellm.ToolMode
		user     string
		wantTool bool
	}{
		{fakellm.ToolsOnCue, "what is the weather", false},
		{fakellm.ToolsOnCue, "call get_weather now", true},
		{fakellm.ToolsAlways, "anything", true},
		{fakellm.ToolsNever, "call get_weather now", false},
	}
	for _, c := range cases {
		_, url := start(t, fakellm.Config{Tools: c.mode, ReplyTokens: 2})
		res := streamChat(context.Background(), t, url, chatBody(true, c.user, weatherTool), nil)
		if got := res.finishReason() == "tool_calls"; got != c.wantTool {
			t.Errorf("mode %s, %q: tool call %v, want %v", c.mode, c.user, got, c.wantTool)
		}
	}
}

func TestStream_ToolResultGetsText(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{Tools: fakellm.ToolsAlways, ReplyTokens: 4})
	body := chatBody(true, "get_weather", weatherTool)
	body["messages"] = []any{
		map[string]any{"role": "user", "content": "get_weather"},
		map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{
			"id": "call_1", "type": "function", "function": map[string]any{"name": "get_weather", "arguments": "{}"}}}},
		map[string]any{"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
	}
	res := streamChat(context.Background(), t, url, body, nil)
	if res.finishReason() != "stop" || len(strings.Fields(res.text())) != 4 {
		t.Errorf("after a tool result: finish %q, text %q; want stop and 4 words", res.finishReason(), res.text())
	}
}

func TestComplete_NonStreaming(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{ReplyTokens: 7})
	for _, withTool := range []bool{false, true} {
		user := "hello"
		if withTool {
			user = "get_weather please"
		}
		resp, err := post(context.Background(), t, url, chatBody(false, user, weatherTool), nil)
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			Object  string `json:"object"`
			Choices []struct {
				Message struct {
					Role      string  `json:"role"`
					Content   *string `json:"content"`
					ToolCalls []struct {
						ID       string `json:"id"`
						Function struct{ Name, Arguments string }
					} `json:"tool_calls"`
				} `json:"message"`
				FinishReason string `json:"finish_reason"`
			} `json:"choices"`
			Usage struct {
				CompletionTokens int `json:"completion_tokens"`
			} `json:"usage"`
		}
		err = json.NewDecoder(resp.Body).Decode(&c)
		resp.Body.Close()
		if err != nil || c.Object != "chat.completion" || len(c.Choices) != 1 || c.Choices[0].Message.Role != "assistant" {
			t.Fatalf("tool %v: decode %v, body %+v", withTool, err, c)
		}
		m := c.Choices[0]
		if withTool {
			if m.FinishReason != "tool_calls" || len(m.Message.ToolCalls) != 1 || !json.Valid([]byte(m.Message.ToolCalls[0].Function.Arguments)) {
				t.Errorf("tool reply = %+v", m)
			}
			continue
		}
		if m.FinishReason != "stop" || m.Message.Content == nil || len(strings.Fields(*m.Message.Content)) != 7 || c.Usage.CompletionTokens != 7 {
			t.Errorf("text reply = %+v, usage %+v", m, c.Usage)
		}
	}
}

func TestModels(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{Models: []string{"a", "b"}})
	resp, err := http.Get(url + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Object string
		Data   []struct{ ID, Object string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	if list.Object != "list" || len(list.Data) != 2 || list.Data[1].ID != "b" || list.Data[0].Object != "model" {
		t.Errorf("models = %+v", list)
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{})
	cases := []struct {
		name    string
		body    map[string]any
		headers map[string]string
	}{
		{"no model", map[string]any{"messages": []any{map[string]any{"role": "user", "content": "x"}}}, nil},
		{"no messages", map[string]any{"model": "m"}, nil},
		{"bad header", chatBody(true, "x"), map[string]string{fakellm.HeaderTTFT: "soon"}},
		{"bad fault", chatBody(true, "x"), map[string]string{fakellm.HeaderFault: "explode"}},
		{"bad jitter", chatBody(true, "x"), map[string]string{fakellm.HeaderJitter: "2"}},
		{"bad tokens jitter", chatBody(true, "x"), map[string]string{fakellm.HeaderTokensJitter: "-0.5"}},
	}
	for _, c := range cases {
		resp, err := post(context.Background(), t, url, c.body, c.headers)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e struct {
			Error struct{ Message, Type string }
		}
		if resp.StatusCode != 400 || json.Unmarshal(b, &e) != nil || e.Error.Message == "" {
			t.Errorf("%s: status %d body %s, want 400 with an OpenAI error", c.name, resp.StatusCode, b)
		}
	}
}
