package loadgen

import (
	"encoding/json"

	"github.com/agentd/agentd/agui"
)

// conversation is one virtual user's thread as the official client folds
// it: user messages it wrote, assistant messages assembled from text and
// tool-call events, tool results, and MESSAGES_SNAPSHOT merges.
type conversation struct {
	threadID string
	msgs     []agui.Message
	acked    int             // msgs[:acked] reached the server (HistoryNew sends the rest)
	answered map[string]bool // tool call ids that have a result
}

func newConversation(threadID string) *conversation {
	return &conversation{threadID: threadID, answered: map[string]bool{}}
}

// add appends a message the client wrote.
func (c *conversation) add(m agui.Message) { c.msgs = append(c.msgs, m) }

// outgoing returns the messages a turn sends in mode.
func (c *conversation) outgoing(mode HistoryMode) []agui.Message {
	if mode == HistoryNew {
		return append([]agui.Message{}, c.msgs[c.acked:]...)
	}
	return append([]agui.Message{}, c.msgs...)
}

// accepted records that the server took the turn's messages.
func (c *conversation) accepted() { c.acked = len(c.msgs) }

func (c *conversation) find(id string) int {
	for i := len(c.msgs) - 1; i >= 0; i-- {
		if c.msgs[i].ID == id {
			return i
		}
	}
	return -1
}

// apply folds one event into the history.
func (c *conversation) apply(ev *agui.Event) {
	switch ev.Type {
	case agui.TextMessageStart, agui.TextMessageChunk:
		if ev.MessageID == "" {
			return
		}
		if c.find(ev.MessageID) < 0 {
			role := ev.Role
			if role == "" {
				role = agui.RoleAssistant
			}
			c.add(agui.Message{ID: ev.MessageID, Role: role})
		}
		if ev.Type == agui.TextMessageChunk {
			c.appendText(ev.MessageID, ev.Delta)
		}
	case agui.TextMessageContent:
		c.appendText(ev.MessageID, ev.Delta)
	case agui.ToolCallStart, agui.ToolCallChunk:
		if ev.ToolCallID == "" {
			return
		}
		if c.toolCall(ev.ToolCallID) == nil && ev.ToolCallName != "" {
			parent := ev.ParentMessageID
			if parent == "" {
				parent = ev.ToolCallID
			}
			i := c.find(parent)
			if i < 0 {
				c.add(agui.Message{ID: parent, Role: agui.RoleAssistant})
				i = len(c.msgs) - 1
			}
			c.msgs[i].ToolCalls = append(c.msgs[i].ToolCalls, agui.ToolCall{
				ID: ev.ToolCallID, Type: "function", Function: agui.FunctionCall{Name: ev.ToolCallName}})
		}
		if ev.Type == agui.ToolCallChunk {
			c.appendArgs(ev.ToolCallID, ev.Delta)
		}
	case agui.ToolCallArgs:
		c.appendArgs(ev.ToolCallID, ev.Delta)
	case agui.ToolCallResult:
		c.insertResult(ev)
	case agui.MessagesSnapshot:
		c.merge(ev.Messages)
	}
}

func (c *conversation) appendText(id, delta string) {
	i := c.find(id)
	if i < 0 || delta == "" {
		return
	}
	var s string
	_ = json.Unmarshal(c.msgs[i].Content, &s) // absent content reads as ""
	c.msgs[i].Content = agui.TextContent(s + delta)
}

func (c *conversation) toolCall(id string) *agui.ToolCall {
	for i := len(c.msgs) - 1; i >= 0; i-- {
		for j := range c.msgs[i].ToolCalls {
			if c.msgs[i].ToolCalls[j].ID == id {
				return &c.msgs[i].ToolCalls[j]
			}
		}
	}
	return nil
}

func (c *conversation) appendArgs(id, delta string) {
	if tc := c.toolCall(id); tc != nil {
		tc.Function.Arguments += delta
	}
}

// insertResult puts the tool message after the assistant message holding
// the call and any results already following it.
func (c *conversation) insertResult(ev *agui.Event) {
	c.answered[ev.ToolCallID] = true
	m := agui.Message{ID: ev.MessageID, Role: agui.RoleTool, ToolCallID: ev.ToolCallID, Content: ev.Result}
	if len(ev.Content) > 0 {
		m.Content = agui.TextContent(ev.Content)
	}
	at := len(c.msgs)
	for i := range c.msgs {
		for _, tc := range c.msgs[i].ToolCalls {
			if tc.ID == ev.ToolCallID {
				at = i + 1
				for at < len(c.msgs) && c.msgs[at].Role == agui.RoleTool {
					at++
				}
			}
		}
	}
	c.msgs = append(c.msgs[:at], append([]agui.Message{m}, c.msgs[at:]...)...)
}

// merge applies a MESSAGES_SNAPSHOT: matching ids are replaced, messages
// missing from it are dropped (except client-only activity and reasoning
// messages), new ones are appended.
func (c *conversation) merge(snap []agui.Message) {
	byID := make(map[string]agui.Message, len(snap))
	for _, m := range snap {
		byID[m.ID] = m
	}
	kept := c.msgs[:0:0]
	seen := map[string]bool{}
	for _, m := range c.msgs {
		if s, ok := byID[m.ID]; ok {
			kept = append(kept, s)
			seen[m.ID] = true
		} else if m.Role == agui.RoleActivity || m.Role == agui.RoleReasoning {
			kept = append(kept, m)
		}
	}
	for _, m := range snap {
		if !seen[m.ID] {
			kept = append(kept, m)
		}
		if m.Role == agui.RoleTool {
			c.answered[m.ToolCallID] = true
		}
	}
	c.msgs = kept
	c.acked = min(c.acked, len(c.msgs))
}

// pendingCalls returns the calls of declared client tools that have no
// result yet: the client runs them and answers on its next turn.
func (c *conversation) pendingCalls(tools []agui.Tool) []agui.ToolCall {
	if len(tools) == 0 {
		return nil
	}
	var out []agui.ToolCall
	for _, m := range c.msgs {
		for _, tc := range m.ToolCalls {
			if c.answered[tc.ID] {
				continue
			}
			for _, t := range tools {
				if t.Name == tc.Function.Name {
					out = append(out, tc)
				}
			}
		}
	}
	return out
}
