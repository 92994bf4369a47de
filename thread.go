package agentd

import (
	"encoding/json"
	"time"

	"github.com/agentd/agentd/agui"
)

// Thread is one conversation: its ordered messages and its shared state.
// Version grows with every committed write; writers compare it to detect a
// concurrent change.
type Thread struct {
	ID        string
	User      string // whom it belongs to; no other user may see or run on it
	Agent     string
	Version   int64
	State     json.RawMessage // shared state; "{}" when none
	Messages  []agui.Message  // the current branch, in order (not the superseded messages)
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ThreadSummary is a thread without its messages, for listings.
type ThreadSummary struct {
	ID           string    `json:"threadId"`
	Agent        string    `json:"agent"`
	MessageCount int       `json:"messageCount"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}
