package fakellm_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/agentd/agentd/fakellm"
)

// start serves a simulator with cfg on 127.0.0.1.
func start(t *testing.T, cfg fakellm.Config) (*fakellm.Server, string) {
	t.Helper()
	s := fakellm.New(cfg)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts.URL
}

var weatherTool = map[string]any{
	"type": "function",
	"function": map[string]any{
		"name":        "get_weather",
		"description": "Weather for a city",
		"parameters": map[string]any{
			"type":       "object",
			"properties": map[string]any{"city": map[string]any{"type": "string"}, "days": map[string]any{"type": "integer"}},
			"required":   []string{"city", "days"},
		},
	},
}

// chatBody is a request with one user message.
func chatBody(stream bool, user string, tools ...any) map[string]any {
	b := map[string]any{
		"model":    "gpt-test",
		"stream":   stream,
		"messages": []any{map[string]any{"role": "user", "content": user}},
	}
	if len(tools) > 0 {
		b["tools"] = tools
	}
	return b
}

func post(ctx context.Context, t *testing.T, url string, body map[string]any, headers map[string]string) (*http.Response, error) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/chat/completions", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return http.DefaultClient.Do(req)
}

// readSSE is a plain SSE reader: it returns the data payloads of every
// frame, whether the last one was [DONE], and the read error, if any.
func readSSE(r io.Reader) (frames []string, done bool, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if len(data) > 0 {
				frames = append(frames, strings.Join(data, "\n"))
				data = nil
			}
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	if n := len(frames); n > 0 && frames[n-1] == "[DONE]" {
		return frames[:n-1], true, sc.Err()
	}
	return frames, false, sc.Err()
}

// wireChunk decodes a chunk keeping JSON nulls visible.
type wireChunk struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Role      string  `json:"role"`
			Content   *string `json:"content"`
			ToolCalls []struct {
				Index    *int   `json:"index"`
				ID       string `json:"id"`
				Type     string `json:"type"`
				Function struct {
					Name      string `json:"name"`
					Arguments string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
		Details          struct {
			CachedTokens int `json:"cached_tokens"`
		} `json:"prompt_tokens_details"`
	} `json:"usage"`
}

func decodeChunks(t *testing.T, frames []string) []wireChunk {
	t.Helper()
	out := make([]wireChunk, len(frames))
	for i, f := range frames {
		if err := json.Unmarshal([]byte(f), &out[i]); err != nil {
			t.Fatalf("frame %d is not JSON: %v: %s", i, err, f)
		}
	}
	return out
}

// streamResult reads a whole streamed reply.
type streamResult struct {
	status  int
	header  http.Header
	chunks  []wireChunk
	done    bool
	readErr error
}

func streamChat(ctx context.Context, t *testing.T, url string, body map[string]any, headers map[string]string) streamResult {
	t.Helper()
	resp, err := post(ctx, t, url, body, headers)
	if err != nil {
		return streamResult{readErr: err}
	}
	defer resp.Body.Close()
	res := streamResult{status: resp.StatusCode, header: resp.Header}
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return res
	}
	frames, done, err := readSSE(resp.Body)
	res.chunks, res.done, res.readErr = decodeChunks(t, frames), done, err
	return res
}

// text joins the content deltas.
func (r streamResult) text() string {
	var b strings.Builder
	for _, c := range r.chunks {
		for _, ch := range c.Choices {
			if ch.Delta.Content != nil {
				b.WriteString(*ch.Delta.Content)
			}
		}
	}
	return b.String()
}

// toolArgs reassembles tool call arguments by index.
func (r streamResult) toolArgs() (names, args map[int]string) {
	names, args = map[int]string{}, map[int]string{}
	for _, c := range r.chunks {
		for _, ch := range c.Choices {
			for _, tc := range ch.Delta.ToolCalls {
				names[*tc.Index] += tc.Function.Name
				args[*tc.Index] += tc.Function.Arguments
			}
		}
	}
	return names, args
}

func (r streamResult) finishReason() string {
	for _, c := range r.chunks {
		for _, ch := range c.Choices {
			if ch.FinishReason != nil {
				return *ch.FinishReason
			}
		}
	}
	return ""
}
