package fakellm_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/agentd/agentd/fakellm"
)

// The official SDK is the client agentd's OpenAI provider uses; these tests
// check that it reads the simulator's replies and errors as it would
// OpenAI's.

func sdkClient(url string) openai.Client {
	return openai.NewClient(option.WithBaseURL(url+"/v1"), option.WithAPIKey("test"), option.WithMaxRetries(0))
}

func sdkParams(user string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:    "gpt-test",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(user)},
		Tools: []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name:       "get_weather",
			Parameters: shared.FunctionParameters{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}, "required": []string{"city"}},
		})},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}
}

func TestSDK_StreamAccumulates(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{ReplyTokens: 9})
	client := sdkClient(url)
	for _, user := range []string{"hello", "use get_weather"} {
		stream := client.Chat.Completions.NewStreaming(context.Background(), sdkParams(user))
		var acc openai.ChatCompletionAccumulator
		for stream.Next() {
			acc.AddChunk(stream.Current())
		}
		if err := stream.Err(); err != nil {
			t.Fatalf("%q: stream error %v", user, err)
		}
		if len(acc.Choices) != 1 {
			t.Fatalf("%q: %d choices", user, len(acc.Choices))
		}
		ch := acc.Choices[0]
		if strings.Contains(user, "get_weather") {
			if ch.FinishReason != "tool_calls" || len(ch.Message.ToolCalls) != 1 {
				t.Fatalf("tool reply: %+v", ch)
			}
			var args struct{ City string }
			if err := json.Unmarshal([]byte(ch.Message.ToolCalls[0].Function.Arguments), &args); err != nil || args.City == "" {
				t.Errorf("arguments %q: %v", ch.Message.ToolCalls[0].Function.Arguments, err)
			}
			continue
		}
		if ch.FinishReason != "stop" || len(strings.Fields(ch.Message.Content)) != 9 || acc.Usage.CompletionTokens != 9 {
			t.Errorf("text reply: finish %q, content %q, usage %+v", ch.FinishReason, ch.Message.Content, acc.Usage)
		}
	}
}

func TestSDK_NonStreaming(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{ReplyTokens: 5})
	p := sdkParams("hello")
	p.StreamOptions = openai.ChatCompletionStreamOptionsParam{}
	client := sdkClient(url)
	c, err := client.Chat.Completions.New(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Choices) != 1 || len(strings.Fields(c.Choices[0].Message.Content)) != 5 || c.Usage.CompletionTokens != 5 {
		t.Errorf("completion = %+v", c)
	}
}

func TestSDK_SeesErrors(t *testing.T) {
	t.Parallel()
	for _, f := range []fakellm.Faults{{RateLimit: 1}, {ServerError: 1}} {
		_, url := start(t, fakellm.Config{Faults: f})
		client := sdkClient(url)
		stream := client.Chat.Completions.NewStreaming(context.Background(), sdkParams("x"))
		for stream.Next() {
		}
		var apiErr *openai.Error
		if !errors.As(stream.Err(), &apiErr) {
			t.Fatalf("%+v: error %v, want *openai.Error", f, stream.Err())
		}
		want := 429
		if f.ServerError > 0 {
			want = 500
		}
		if apiErr.StatusCode != want || apiErr.Message == "" {
			t.Errorf("status %d message %q, want %d", apiErr.StatusCode, apiErr.Message, want)
		}
	}
}

func TestSDK_CutStreamIsAnError(t *testing.T) {
	t.Parallel()
	_, url := start(t, fakellm.Config{ReplyTokens: 10, Faults: fakellm.Faults{Cut: 1}})
	client := sdkClient(url)
	stream := client.Chat.Completions.NewStreaming(context.Background(), sdkParams("x"))
	n := 0
	for stream.Next() {
		n++
	}
	if stream.Err() == nil {
		t.Errorf("cut stream after %d chunks gave no error", n)
	}
}
