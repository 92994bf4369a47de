package agui_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/agentd/agentd/agui"
)

// FuzzParseInput: any body is either refused with an *InputError or
// accepted as an input that validates, whose messages survive a JSON round
// trip and whose events encode to single-line frames.
func FuzzParseInput(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/inputs/*.json")
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := agui.ParseInput(body, agui.Limits{})
		if err != nil {
			var ie *agui.InputError
			if !errors.As(err, &ie) || ie.Msg == "" {
				t.Fatalf("refusal %v is not an InputError with a message", err)
			}
			return
		}
		if err := in.Validate(); err != nil {
			t.Fatalf("accepted input does not validate: %v", err)
		}
		b, err := json.Marshal(in.Messages)
		if err != nil {
			t.Fatalf("accepted messages do not encode: %v", err)
		}
		var back []agui.Message
		if err := json.Unmarshal(b, &back); err != nil || len(back) != len(in.Messages) {
			t.Fatalf("messages do not round-trip: %v", err)
		}
		for i := range in.Messages {
			frame, err := agui.AppendFrame(nil, 1, &agui.Event{Type: agui.MessagesSnapshot, Messages: in.Messages[i : i+1]})
			if err != nil {
				t.Fatal(err)
			}
			for j, c := range frame[:len(frame)-2] {
				if c == '\n' && j != len("id: 1") {
					t.Fatalf("frame has a raw newline inside: %q", frame)
				}
			}
		}
	})
}
