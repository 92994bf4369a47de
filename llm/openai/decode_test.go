package openai

import (
	stdjson "encoding/json"
	"reflect"
	"testing"

	json "github.com/goccy/go-json"
)

// Chunks are decoded with goccy/go-json for speed; it must read every
// chunk shape exactly as encoding/json does, and refuse what it refuses.
func FuzzChunkDecodeMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{
		`{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":" word"},"logprobs":null,"finish_reason":null}],"usage":null}`,
		`{"choices":[{"index":0,"delta":{"content":"\"q\" \\ \u2028 \ud83d\ude00 <&>"},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":"}}]}}]}`,
		`{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}`,
		`{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}`,
		`{"error":{"message":"overloaded","type":"server_error"}}`,
		`{"choices":[{"index":1,"delta":{"refusal":"no"}}]}`,
		`{"choices":[{"INDEX":0,"Delta":{"Content":"case"}}]}`,
		`{"choices":[{"index":"0"}]}`,
		`{"choices":[{"index":0,"delta":{"content":"a"}}],"choices":null}`,
		`{"choices":[{"index":0,"delta":{"content":"\ud800"}}]}`,
		"{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\xff\"}}]}",
		`{"choices":[{"index":0`, `null`, `[]`, `{"usage":null}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want, got wireChunk
		wantErr := stdjson.Unmarshal(data, &want)
		gotErr := json.Unmarshal(data, &got)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("%q: encoding/json error %v, go-json error %v", data, wantErr, gotErr)
		}
		if wantErr == nil && !reflect.DeepEqual(want, got) {
			t.Fatalf("%q:\nencoding/json %+v\ngo-json       %+v", data, want, got)
		}
	})
}
