package agent

import (
	"github.com/agentd/agentd/agui"
)

// missingResult answers a tool call that never got a result, so that the
// model sees a consistent conversation.
const missingResult = "The tool call did not complete: no result was recorded."

// modelMessages turns a thread's history into a conversation every provider
// accepts: user and assistant messages in order, each assistant tool call
// followed at once by exactly one result. Results without a call are
// dropped and calls without a result get one saying so. A thread whose
// stream dropped mid-run, or whose client sent odd ids, therefore never
// makes the next model call fail.
func modelMessages(history []agui.Message) []agui.Message {
	results := make(map[string]agui.Message)
	for _, m := range history {
		if m.Role == agui.RoleTool {
			if _, dup := results[m.ToolCallID]; !dup {
				results[m.ToolCallID] = m
			}
		}
	}
	out := make([]agui.Message, 0, len(history))
	answered := make(map[string]bool)
	for _, m := range history {
		switch m.Role {
		case agui.RoleUser:
			out = append(out, m)
		case agui.RoleAssistant:
			calls := m.ToolCalls[:0:0]
			for _, tc := range m.ToolCalls {
				if !answered[tc.ID] {
					calls = append(calls, tc)
				}
			}
			if len(calls) == 0 && m.Text() == "" {
				continue
			}
			m.ToolCalls = calls
			out = append(out, m)
			for _, tc := range calls {
				answered[tc.ID] = true
				r, ok := results[tc.ID]
				if !ok {
					r = agui.Message{ID: tc.ID + "-missing", Role: agui.RoleTool, ToolCallID: tc.ID,
						Content: agui.TextContent(missingResult), Error: missingResult}
				}
				out = append(out, r)
			}
		}
	}
	return out
}
