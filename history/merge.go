// Package history reconciles the messages a client sends with a thread's
// stored history. AG-UI clients send their whole history every run, some send
// only what is new, and a client whose stream dropped holds a history that
// differs from the stored one; every such case must give a thread the model
// can continue, never an error.
package history

import (
	"github.com/agentd/agentd/agui"
)

// Plan is how to bring the stored history in line with the client's.
type Plan struct {
	// TruncateAt >= 0 forks the thread: stored messages from that position
	// on leave the current branch (an edit or a regenerate); the store
	// keeps them as superseded, and their ids are free again. -1 keeps
	// them all.
	TruncateAt int
	// Append are the client's messages to add after the (kept) history.
	Append []agui.Message
	// Instructions are the client's system and developer messages: they
	// steer this run and are not stored in the thread.
	Instructions []string
	// Reason names the case: "append", "edit" or "regenerate".
	Reason string
}

// Merge compares the client's messages with the stored ones.
//
//   - Edit: a stored user message arrives with different content. The
//     thread forks just before it; the client's messages that are not in
//     the kept part follow, in the client's order.
//   - Regenerate: the client's messages are exactly a stored prefix (same
//     ids, same order) that ends with a user or tool message. The thread
//     forks after that prefix and the model answers again.
//   - Otherwise every client message whose id is not stored is appended in
//     the client's order; stored messages the client lacks are kept (a
//     client that sends only new messages, or whose stream dropped before
//     it saw a reply, continues the thread with its full context).
//
// Activity and reasoning messages are the client's own and never stored.
func Merge(stored, client []agui.Message) Plan {
	plan := Plan{TruncateAt: -1, Reason: "append"}
	index := make(map[string]int, len(stored))
	for i := range stored {
		index[stored[i].ID] = i
	}
	kept := make([]agui.Message, 0, len(client))
	for _, m := range client {
		switch m.Role {
		case agui.RoleSystem, agui.RoleDeveloper:
			if t := m.Text(); t != "" {
				plan.Instructions = append(plan.Instructions, t)
			}
		case agui.RoleActivity, agui.RoleReasoning:
		default:
			kept = append(kept, m)
		}
	}
	for _, m := range kept {
		at, known := index[m.ID]
		if known && m.Role == agui.RoleUser && stored[at].Role == agui.RoleUser && m.Text() != stored[at].Text() {
			plan.TruncateAt, plan.Reason = at, "edit"
			plan.Append = unknownAfterFork(kept, index, at)
			return plan
		}
	}
	if n := len(kept); n > 0 && n < len(stored) && isPrefix(kept, stored) {
		if r := kept[n-1].Role; r == agui.RoleUser || r == agui.RoleTool {
			plan.TruncateAt, plan.Reason = n, "regenerate"
			return plan
		}
	}
	for _, m := range kept {
		if _, known := index[m.ID]; !known {
			plan.Append = append(plan.Append, m)
		}
	}
	return plan
}

// unknownAfterFork returns the client's messages, in its order, without
// those still stored before the fork point.
func unknownAfterFork(msgs []agui.Message, index map[string]int, fork int) []agui.Message {
	out := make([]agui.Message, 0, len(msgs))
	for _, m := range msgs {
		if at, known := index[m.ID]; known && at < fork {
			continue
		}
		out = append(out, m)
	}
	return out
}

func isPrefix(client, stored []agui.Message) bool {
	for i := range client {
		if client[i].ID != stored[i].ID {
			return false
		}
	}
	return true
}

// Apply returns the history the plan produces from stored.
func (p Plan) Apply(stored []agui.Message) []agui.Message {
	keep := stored
	if p.TruncateAt >= 0 && p.TruncateAt < len(stored) {
		keep = stored[:p.TruncateAt]
	}
	out := make([]agui.Message, 0, len(keep)+len(p.Append))
	out = append(out, keep...)
	return append(out, p.Append...)
}
