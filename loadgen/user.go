package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/agentd/agentd/agui"
)

var emptyObject = json.RawMessage("{}")

// user is one virtual user: it starts at its ramp-up slot, then holds one
// conversation of up to cfg.Turns turns.
func (r *runner) user(ctx context.Context, i int) {
	cfg := r.cfg
	if !r.wait(time.Duration(int64(cfg.RampUp) * int64(i) / int64(cfg.Users))) {
		return
	}
	r.users.Add(1)
	defer r.users.Add(-1)
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(i)))
	conv := newConversation(newID("thread"))
	for t := range cfg.Turns {
		if t > 0 && !r.wait(r.think(rng)) {
			return
		}
		if !r.wait(0) || ctx.Err() != nil { // halt runs after ctx ends, not at once
			return
		}
		if r.budget.Add(-1) < 0 {
			r.budgetHit.Store(true)
			r.halt()
			return
		}
		own := r.nextMessages(conv, cfg.Prompts[(i+t)%len(cfg.Prompts)])
		in := &agui.RunAgentInput{
			ThreadID:       conv.threadID,
			RunID:          newID("run"),
			Messages:       conv.outgoing(cfg.History),
			Tools:          cfg.Tools,
			State:          emptyObject,
			ForwardedProps: emptyObject,
		}
		r.inFlight.Add(1)
		res := r.client.turn(ctx, r.target(), in, conv, own)
		r.inFlight.Add(-1)
		r.rec.record(res)
		if res.Outcome == OutcomeOK && cfg.Verify {
			r.committed(conv.threadID, res.Committed)
		}
	}
}

// nextMessages adds what the client sends next: results for the client
// tool calls the last turn left pending, as CopilotKit does after running
// them, or else a new user message. It returns the new messages' ids.
func (r *runner) nextMessages(conv *conversation, prompt string) []string {
	if pending := conv.pendingCalls(r.cfg.Tools); len(pending) > 0 {
		var ids []string
		for _, tc := range pending {
			conv.answered[tc.ID] = true
			m := agui.Message{ID: newID("msg"), Role: agui.RoleTool, ToolCallID: tc.ID, Content: agui.TextContent(`{"ok":true}`)}
			conv.add(m)
			ids = append(ids, m.ID)
		}
		return ids
	}
	m := agui.Message{ID: newID("msg"), Role: agui.RoleUser, Content: agui.TextContent(prompt)}
	conv.add(m)
	return []string{m.ID}
}

// newID returns a random id; thread and run ids never repeat across runs.
func newID(prefix string) string {
	return fmt.Sprintf("%s-%016x%016x", prefix, rand.Uint64(), rand.Uint64())
}
