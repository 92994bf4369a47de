package agui

import "fmt"

// Verifier applies the ordering rules of the official client (verifyEvents
// in @ag-ui/client 1.0.0) to a stream of events, one at a time. Load tests
// and conformance tests use it to call a stream a protocol error exactly
// when the real client would. Chunk events are checked by id only.
type Verifier struct {
	started, finished, errored bool
	seen                       int
	texts, tools, steps        map[string]bool
}

// Done reports whether the stream has ended a run (RUN_FINISHED or RUN_ERROR).
func (v *Verifier) Done() bool { return v.finished || v.errored }

// Errored reports whether the last run ended with RUN_ERROR.
func (v *Verifier) Errored() bool { return v.errored }

// Check returns an error if ev may not follow the events already seen.
func (v *Verifier) Check(ev *Event) error {
	if v.texts == nil {
		v.texts, v.tools, v.steps = map[string]bool{}, map[string]bool{}, map[string]bool{}
	}
	v.seen++
	if ev.Type == "" {
		return fmt.Errorf("event %d has no type", v.seen)
	}
	if v.seen == 1 && ev.Type != RunStarted && ev.Type != RunError {
		return fmt.Errorf("first event is %s, want RUN_STARTED or RUN_ERROR", ev.Type)
	}
	switch {
	case v.errored && ev.Type != RunStarted:
		return fmt.Errorf("%s after RUN_ERROR", ev.Type)
	case v.finished && ev.Type != RunStarted && ev.Type != RunError:
		return fmt.Errorf("%s after RUN_FINISHED", ev.Type)
	}
	switch ev.Type {
	case RunStarted:
		if v.started && !v.Done() {
			return fmt.Errorf("RUN_STARTED while a run is active")
		}
		if ev.ThreadID == "" || ev.RunID == "" {
			return fmt.Errorf("RUN_STARTED without threadId or runId")
		}
		*v = Verifier{started: true, seen: v.seen, texts: map[string]bool{}, tools: map[string]bool{}, steps: map[string]bool{}}
	case RunFinished:
		if open := v.open(); open != "" {
			return fmt.Errorf("RUN_FINISHED while %s is open", open)
		}
		v.finished = true
	case RunError:
		if ev.Message == "" {
			return fmt.Errorf("RUN_ERROR without message")
		}
		v.errored = true
	case TextMessageStart:
		return v.start(v.texts, "text message", ev.MessageID)
	case TextMessageContent:
		return v.need(v.texts, "text message", ev.MessageID, false)
	case TextMessageEnd:
		return v.need(v.texts, "text message", ev.MessageID, true)
	case ToolCallStart:
		if ev.ToolCallName == "" {
			return fmt.Errorf("TOOL_CALL_START without toolCallName")
		}
		return v.start(v.tools, "tool call", ev.ToolCallID)
	case ToolCallArgs:
		return v.need(v.tools, "tool call", ev.ToolCallID, false)
	case ToolCallEnd:
		return v.need(v.tools, "tool call", ev.ToolCallID, true)
	case StepStarted:
		return v.start(v.steps, "step", ev.StepName)
	case StepFinished:
		return v.need(v.steps, "step", ev.StepName, true)
	case ToolCallResult:
		if ev.MessageID == "" || ev.ToolCallID == "" {
			return fmt.Errorf("TOOL_CALL_RESULT without messageId or toolCallId")
		}
	}
	return nil
}

func (v *Verifier) start(open map[string]bool, kind, id string) error {
	if id == "" {
		return fmt.Errorf("%s start without id", kind)
	}
	if open[id] {
		return fmt.Errorf("%s %q started while open", kind, id)
	}
	open[id] = true
	return nil
}

func (v *Verifier) need(open map[string]bool, kind, id string, end bool) error {
	if !open[id] {
		return fmt.Errorf("%s %q is not open", kind, id)
	}
	if end {
		delete(open, id)
	}
	return nil
}

func (v *Verifier) open() string {
	for id := range v.texts {
		return "text message " + id
	}
	for id := range v.tools {
		return "tool call " + id
	}
	for id := range v.steps {
		return "step " + id
	}
	return ""
}
