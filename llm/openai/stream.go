package openai

import (
	"crypto/rand"
	"encoding/hex"

	"encoding/json"

	"github.com/agentd/agentd/llm"
)

// streamState turns chat.completion.chunk events into llm.Deltas.
type streamState struct {
	finished bool                // a finish_reason arrived
	calls    map[int64]*callSlot // by the wire's tool_calls[].index
	next     int                 // llm index of the next new tool call
	model    string              // the configured model, for Usage
}

type callSlot struct {
	index int
	id    string
}

// wireChunk is the part of a chat.completion.chunk that a turn needs.
type wireChunk struct {
	Choices []struct {
		Index int64 `json:"index"`
		Delta struct {
			Content   string         `json:"content"`
			Refusal   string         `json:"refusal"`
			ToolCalls []wireToolCall `json:"tool_calls"`
		} `json:"delta"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens        int64 `json:"prompt_tokens"`
		CompletionTokens    int64 `json:"completion_tokens"`
		PromptTokensDetails struct {
			CachedTokens int64 `json:"cached_tokens"`
		} `json:"prompt_tokens_details"`
	} `json:"usage"`
	Error json.RawMessage `json:"error"`
}

type wireToolCall struct {
	Index    int64  `json:"index"`
	ID       string `json:"id"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// chunk emits the deltas of one chunk, in wire order.
func (s *streamState) chunk(c *wireChunk, emit func(llm.Delta) error) error {
	for _, ch := range c.Choices {
		if ch.Index != 0 {
			continue // only one choice is asked for
		}
		for _, text := range []string{ch.Delta.Content, ch.Delta.Refusal} {
			if text != "" {
				if err := emit(llm.Delta{Text: text}); err != nil {
					return err
				}
			}
		}
		for _, tc := range ch.Delta.ToolCalls {
			if d := s.toolDelta(tc); d != nil {
				if err := emit(llm.Delta{ToolCall: d}); err != nil {
					return err
				}
			}
		}
		if ch.FinishReason != "" {
			s.finished = true
		}
	}
	// With include_usage every chunk has "usage": null but the last.
	if c.Usage != nil {
		u := &llm.Usage{InputTokens: int(c.Usage.PromptTokens), OutputTokens: int(c.Usage.CompletionTokens),
			CachedInputTokens: int(c.Usage.PromptTokensDetails.CachedTokens), Model: s.model}
		return emit(llm.Delta{Usage: u})
	}
	return nil
}

// toolDelta maps one wire tool call piece to a delta: the first piece of a
// call carries its ID and Name, later ones only argument fragments.
func (s *streamState) toolDelta(tc wireToolCall) *llm.ToolCallDelta {
	slot, known := s.calls[tc.Index]
	// A different ID at a known index is a new call: some compatible servers
	// send each call whole, all at index 0.
	if !known || (tc.ID != "" && tc.ID != slot.id) {
		id := tc.ID
		if id == "" {
			id = newCallID() // the caller needs an ID to answer the call
		}
		if s.calls == nil {
			s.calls = make(map[int64]*callSlot)
		}
		slot = &callSlot{index: s.next, id: id}
		s.next++
		s.calls[tc.Index] = slot
		return &llm.ToolCallDelta{Index: slot.index, ID: id, Name: tc.Function.Name, Args: tc.Function.Arguments}
	}
	if tc.Function.Arguments == "" {
		return nil
	}
	return &llm.ToolCallDelta{Index: slot.index, Args: tc.Function.Arguments}
}

func newCallID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "call_" + hex.EncodeToString(b[:])
}
