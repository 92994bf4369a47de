package llmtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/llm"
)

// Collector records the deltas a provider emits, for use as the emit
// callback of Provider.Stream, and reassembles them.
type Collector struct {
	Deltas []llm.Delta
}

// Stream runs one turn of p into a new Collector. Its deadline is far
// beyond any test's needs, so a provider that hangs fails the test instead
// of stalling it.
func Stream(t testing.TB, p llm.Provider, req *llm.Request) (*Collector, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var c Collector
	err := p.Stream(ctx, req, c.Emit)
	return &c, err
}

// Within runs f and fails the test when f has not returned after d; use it
// to check that a call gives up promptly.
func Within(t testing.TB, d time.Duration, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("the call did not return within %v", d)
		return nil
	}
}

// Emit records d.
func (c *Collector) Emit(d llm.Delta) error {
	c.Deltas = append(c.Deltas, d)
	return nil
}

// Text concatenates the text deltas in order.
func (c *Collector) Text() string {
	var b strings.Builder
	for _, d := range c.Deltas {
		b.WriteString(d.Text)
	}
	return b.String()
}

// Usage returns the last usage reported, or nil.
func (c *Collector) Usage() *llm.Usage {
	var u *llm.Usage
	for _, d := range c.Deltas {
		if d.Usage != nil {
			u = d.Usage
		}
	}
	return u
}

// Call is a tool call reassembled from its deltas.
type Call struct {
	Index    int
	ID, Name string
	Args     string
}

// ToolCalls reassembles the tool calls in order of first appearance. It
// returns an error when the deltas break the llm.Delta contract: a call's
// first delta must carry its ID and Name, and later ones must not.
func (c *Collector) ToolCalls() ([]Call, error) {
	var calls []Call
	pos := map[int]int{} // Index → position in calls
	for i, d := range c.Deltas {
		tc := d.ToolCall
		if tc == nil {
			continue
		}
		p, seen := pos[tc.Index]
		switch {
		case !seen && (tc.ID == "" || tc.Name == ""):
			return nil, fmt.Errorf("delta %d: first delta of tool call %d lacks ID or Name: %+v", i, tc.Index, *tc)
		case seen && (tc.ID != "" || tc.Name != ""):
			return nil, fmt.Errorf("delta %d: later delta of tool call %d repeats ID or Name: %+v", i, tc.Index, *tc)
		case !seen:
			pos[tc.Index] = len(calls)
			calls = append(calls, Call{Index: tc.Index, ID: tc.ID, Name: tc.Name, Args: tc.Args})
		default:
			calls[p].Args += tc.Args
		}
	}
	return calls, nil
}

// MustToolCalls is ToolCalls that fails the test when the deltas break the
// llm.Delta contract.
func (c *Collector) MustToolCalls(t testing.TB) []Call {
	t.Helper()
	calls, err := c.ToolCalls()
	if err != nil {
		t.Fatal(err)
	}
	return calls
}
