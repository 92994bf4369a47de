package fakellm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// chatRequest is the part of an OpenAI chat completions request the
// simulator reads. Unknown fields are ignored, as OpenAI's SDKs send many.
type chatRequest struct {
	Model               string          `json:"model"`
	Messages            []chatMessage   `json:"messages"`
	Tools               []chatTool      `json:"tools"`
	ToolChoice          json.RawMessage `json:"tool_choice"`
	Stream              bool            `json:"stream"`
	StreamOptions       *streamOptions  `json:"stream_options"`
	MaxTokens           int             `json:"max_tokens"`
	MaxCompletionTokens int             `json:"max_completion_tokens"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type chatMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	ToolCallID string          `json:"tool_call_id"`
}

type chatTool struct {
	Type     string       `json:"type"`
	Function toolFunction `json:"function"`
}

type toolFunction struct {
	Name       string          `json:"name"`
	Parameters json.RawMessage `json:"parameters"`
}

func parseRequest(body []byte) (*chatRequest, error) {
	var req chatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, fmt.Errorf("invalid JSON body: %v", err)
	}
	if req.Model == "" {
		return nil, fmt.Errorf("you must provide a model parameter")
	}
	if len(req.Messages) == 0 {
		return nil, fmt.Errorf("messages must be a non-empty array")
	}
	for i, t := range req.Tools {
		if t.Function.Name == "" {
			return nil, fmt.Errorf("tools[%d].function.name is required", i)
		}
	}
	return &req, nil
}

// maxTokens is the request's output cap, 0 when it sets none.
func (r *chatRequest) maxTokens() int {
	if r.MaxCompletionTokens > 0 {
		return r.MaxCompletionTokens
	}
	return r.MaxTokens
}

// text returns a message's text: a string content or its text parts.
func (m *chatMessage) text() string {
	c := bytes.TrimSpace(m.Content)
	if len(c) == 0 {
		return ""
	}
	var s string
	if c[0] == '"' && json.Unmarshal(c, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if c[0] == '[' && json.Unmarshal(c, &parts) == nil {
		var b strings.Builder
		for _, p := range parts {
			b.WriteString(p.Text)
			b.WriteByte(' ')
		}
		return b.String()
	}
	return ""
}

// promptTokens estimates the prompt's size the way the simulator counts
// output: one token per whitespace-separated word.
func (r *chatRequest) promptTokens() int {
	n := 0
	for i := range r.Messages {
		n += len(strings.Fields(r.Messages[i].text()))
	}
	return n
}

// lastUser returns the last message's text when it is a user message.
func (r *chatRequest) lastUser() (string, bool) {
	last := r.Messages[len(r.Messages)-1]
	if last.Role != "user" {
		return "", false
	}
	return last.text(), true
}

// toolChoiceNone reports whether the request forbids tool calls.
func (r *chatRequest) toolChoiceNone() bool {
	return strings.TrimSpace(string(r.ToolChoice)) == `"none"`
}
