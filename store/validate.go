package store

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Validate checks what every store requires of a StartRun before it
// touches the database.
func (p *StartRun) Validate() error {
	if p.RunID == "" || p.ThreadID == "" || p.User == "" || p.Now.IsZero() || p.LeaseUntil.IsZero() {
		return errors.New("start run: run id, thread id, user, now and lease end are required")
	}
	if p.MaxThreads < 0 {
		return errors.New("start run: max threads must not be negative")
	}
	return nil
}

// Validate checks what every store requires of a Checkpoint before it
// takes a lock: a run and a thread, valid state JSON, a final finish
// status, appended messages with ids.
func (p *Checkpoint) Validate() error {
	if p.RunID == "" || p.ThreadID == "" {
		// The run id also marks what a truncation supersedes.
		return errors.New("checkpoint: run id and thread id are required")
	}
	if p.State != nil && !json.Valid(p.State) {
		return errors.New("state is not valid JSON")
	}
	if f := p.Finish; f != nil && (f.Status == "" || !f.Status.Terminal()) {
		return fmt.Errorf("finish status %q is not a final status", f.Status)
	}
	for i, m := range p.Append {
		if m.ID == "" {
			return fmt.Errorf("message %d to append has no id", i)
		}
	}
	return nil
}
