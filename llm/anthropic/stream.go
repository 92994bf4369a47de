package anthropic

import (
	"fmt"
	"strings"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/agentd/agentd/llm"
)

// streamState turns Messages stream events into llm.Deltas. Tool calls are
// numbered by a running counter of tool_use blocks, so the first call has
// Index 0 whatever text blocks come before it.
type streamState struct {
	stopped bool                 // message_stop arrived
	tools   map[int64]*toolBlock // tool_use blocks by content block index
	next    int                  // llm index of the next tool call
	model   string               // the configured model, for usage
	// The wire's counts: input excludes the cache reads and writes, which
	// llm.Usage counts as input.
	input, cacheRead, cacheWrite, output int64
}

type toolBlock struct {
	index int
	args  int // bytes of arguments streamed so far
}

// event emits the deltas of one event, in wire order.
func (s *streamState) event(ev sdk.MessageStreamEventUnion, emit func(llm.Delta) error) error {
	switch ev.Type {
	case "message_start":
		u := ev.Message.Usage
		s.input, s.cacheRead, s.cacheWrite, s.output = u.InputTokens, u.CacheReadInputTokens, u.CacheCreationInputTokens, u.OutputTokens
	case "content_block_start":
		return s.blockStart(ev, emit)
	case "content_block_delta":
		switch ev.Delta.Type {
		case "text_delta":
			if ev.Delta.Text != "" {
				return emit(llm.Delta{Text: ev.Delta.Text})
			}
		case "input_json_delta":
			tb := s.tools[ev.Index]
			if tb == nil {
				return &llm.Error{Provider: Name, Kind: llm.ErrStream, Status: 200,
					Err: fmt.Errorf("input_json_delta for content block %d, which is not a tool_use block", ev.Index)}
			}
			if ev.Delta.PartialJSON == "" {
				return nil
			}
			tb.args += len(ev.Delta.PartialJSON)
			return emit(llm.Delta{ToolCall: &llm.ToolCallDelta{Index: tb.index, Args: ev.Delta.PartialJSON}})
		}
	case "content_block_stop":
		// A tool without arguments streams no input at all; callers want JSON.
		if tb := s.tools[ev.Index]; tb != nil && tb.args == 0 {
			tb.args = 2
			return emit(llm.Delta{ToolCall: &llm.ToolCallDelta{Index: tb.index, Args: "{}"}})
		}
	case "message_delta":
		// Counts here are cumulative; the input counts appear when they
		// changed (server tools), output_tokens always.
		for _, c := range []struct {
			dst *int64
			n   int64
		}{
			{&s.input, ev.Usage.InputTokens}, {&s.cacheRead, ev.Usage.CacheReadInputTokens},
			{&s.cacheWrite, ev.Usage.CacheCreationInputTokens}, {&s.output, ev.Usage.OutputTokens},
		} {
			if c.n > 0 {
				*c.dst = c.n
			}
		}
	case "message_stop":
		s.stopped = true
		if in := s.input + s.cacheRead + s.cacheWrite; in > 0 || s.output > 0 {
			return emit(llm.Delta{Usage: &llm.Usage{InputTokens: int(in), OutputTokens: int(s.output),
				CachedInputTokens: int(s.cacheRead), Model: s.model}})
		}
	}
	return nil
}

func (s *streamState) blockStart(ev sdk.MessageStreamEventUnion, emit func(llm.Delta) error) error {
	cb := ev.ContentBlock
	switch cb.Type {
	case "text":
		if cb.Text != "" {
			return emit(llm.Delta{Text: cb.Text})
		}
	case "tool_use":
		tb := &toolBlock{index: s.next}
		s.next++
		if s.tools == nil {
			s.tools = make(map[int64]*toolBlock)
		}
		s.tools[ev.Index] = tb
		d := &llm.ToolCallDelta{Index: tb.index, ID: cb.ID, Name: cb.Name}
		// The API streams the input as deltas after an empty start; a
		// compatible server may instead put it all here.
		if raw := strings.TrimSpace(cb.JSON.Input.Raw()); raw != "" && raw != "{}" && raw != "null" {
			d.Args = raw
			tb.args = len(raw)
		}
		return emit(llm.Delta{ToolCall: d})
	}
	return nil
}
