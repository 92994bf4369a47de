// Package sim is an offline, deterministic model. It streams a reply at a
// configurable pace and calls a tool when the conversation names one, so the
// tests and the load tests work without keys or network.
//
// Behaviour, which tests rely on:
//   - The last message is a user message that contains the exact name of an
//     offered tool: sim calls that tool (the longest name that matches),
//     with every required argument filled from its JSON Schema.
//   - The last message is a tool result: sim answers with text that quotes
//     the result.
//   - Otherwise sim answers "I heard: <text>. This is turn N." where N counts
//     the user messages in the request, then filler words up to ReplyTokens.
package sim

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/llm"
)

// Config sets the pace and length of replies.
type Config struct {
	// FirstToken is the delay before the first delta.
	FirstToken time.Duration
	// TokensPerSecond paces the reply; 0 streams it at once.
	TokensPerSecond float64
	// ReplyTokens is the minimum reply length in words (0: just the answer).
	ReplyTokens int
}

// Model is the simulated provider.
type Model struct{ cfg Config }

// New returns a simulated model.
func New(cfg Config) *Model { return &Model{cfg: cfg} }

// Name implements llm.Provider.
func (m *Model) Name() string { return "sim" }

// Stream implements llm.Provider.
func (m *Model) Stream(ctx context.Context, req *llm.Request, emit func(llm.Delta) error) error {
	p := pacer{ctx: ctx, first: m.cfg.FirstToken}
	if m.cfg.TokensPerSecond > 0 {
		p.gap = time.Duration(float64(time.Second) / m.cfg.TokensPerSecond)
	}
	last, users := lastMessage(req.Messages)
	if last != nil && last.Role == agui.RoleUser {
		if tool := namedTool(last.Text(), req.Tools); tool != nil {
			return m.callTool(&p, req, tool, last.Text(), emit)
		}
	}
	words := strings.Fields(m.answer(last, users))
	for i := 0; len(words) < m.cfg.ReplyTokens; i++ {
		words = append(words, filler[i%len(filler)])
	}
	for i, w := range words {
		if err := p.wait(); err != nil {
			return err
		}
		if i > 0 {
			w = " " + w
		}
		if err := emit(llm.Delta{Text: w}); err != nil {
			return err
		}
	}
	return emit(usage(req, len(words)))
}

// usage counts words as tokens: the prompt's (instructions and messages)
// as input, the reply's as output. The simulated model has no cache.
func usage(req *llm.Request, out int) llm.Delta {
	in := len(strings.Fields(req.System))
	for i := range req.Messages {
		in += len(strings.Fields(req.Messages[i].Text()))
	}
	return llm.Delta{Usage: &llm.Usage{InputTokens: in, OutputTokens: out, Model: "sim"}}
}

func (m *Model) answer(last *agui.Message, users int) string {
	if last == nil {
		return "Hello! Ask me anything."
	}
	if last.Role == agui.RoleTool {
		res := last.Text()
		if len(res) > 200 {
			res = res[:200] + "…"
		}
		return "The tool returned: " + res
	}
	return fmt.Sprintf("I heard: %s. This is turn %d.", strings.TrimSpace(last.Text()), users)
}

func (m *Model) callTool(p *pacer, req *llm.Request, tool *llm.Tool, text string, emit func(llm.Delta) error) error {
	args := exampleArgs(tool.Parameters, text)
	if err := p.wait(); err != nil {
		return err
	}
	id := fmt.Sprintf("call_%x", hash(text+tool.Name))
	if err := emit(llm.Delta{ToolCall: &llm.ToolCallDelta{ID: id, Name: tool.Name}}); err != nil {
		return err
	}
	// Split the arguments in two, as real providers do.
	half := len(args) / 2
	for _, part := range []string{args[:half], args[half:]} {
		if err := p.wait(); err != nil {
			return err
		}
		if err := emit(llm.Delta{ToolCall: &llm.ToolCallDelta{Args: part}}); err != nil {
			return err
		}
	}
	return emit(usage(req, 1+len(strings.Fields(args))))
}

// lastMessage returns the last user, assistant or tool message and the
// number of user messages.
func lastMessage(msgs []agui.Message) (*agui.Message, int) {
	var last *agui.Message
	users := 0
	for i := range msgs {
		switch msgs[i].Role {
		case agui.RoleUser:
			users++
			last = &msgs[i]
		case agui.RoleAssistant, agui.RoleTool:
			last = &msgs[i]
		}
	}
	return last, users
}

// namedTool returns the offered tool with the longest name found in text.
func namedTool(text string, tools []llm.Tool) *llm.Tool {
	var best *llm.Tool
	for i := range tools {
		if strings.Contains(text, tools[i].Name) && (best == nil || len(tools[i].Name) > len(best.Name)) {
			best = &tools[i]
		}
	}
	return best
}

func hash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

var filler = strings.Fields("agentd streams this reply from its simulated model so that demos tests and load tests run offline with a steady and predictable pace")

// pacer sleeps between deltas and gives up when the context ends.
type pacer struct {
	ctx   context.Context
	first time.Duration
	gap   time.Duration
	n     int
}

func (p *pacer) wait() error {
	d := p.gap
	if p.n == 0 {
		d = p.first
	}
	p.n++
	if d <= 0 {
		return p.ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.ctx.Done():
		return p.ctx.Err()
	case <-t.C:
		return nil
	}
}
