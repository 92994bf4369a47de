package postgres

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
)

// ts rounds t down to the millisecond, the precision the store keeps (as
// the SQLite store does), so a time reads back equal to the one written.
func ts(t time.Time) time.Time { return t.Truncate(time.Millisecond).UTC() }

// encodeMessage turns a message into the JSON stored in messages.body.
// HTML escaping is off so content such as "a<b" is stored as sent.
func encodeMessage(m agui.Message) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return "", fmt.Errorf("encode message %q: %w", m.ID, err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// decodeMessages decodes message bodies, in order.
func decodeMessages(bodies []string) ([]agui.Message, error) {
	msgs := make([]agui.Message, len(bodies))
	for i, b := range bodies {
		if err := json.Unmarshal([]byte(b), &msgs[i]); err != nil {
			return nil, fmt.Errorf("decode message %d: %w", i, err)
		}
	}
	return msgs, nil
}

// runColumns is the column list scanRun reads, in order.
const runColumns = `id, thread_id, user_id, agent, status, owner, fence, lease_until,
	started_at, finished_at, error_code, error_msg, input_tokens, output_tokens, cached_input_tokens`

func scanRun(row pgx.Row) (agentd.Run, error) {
	var (
		r        agentd.Run
		status   string
		finished *time.Time
	)
	err := row.Scan(&r.ID, &r.ThreadID, &r.User, &r.Agent, &status, &r.Owner, &r.Fence,
		&r.LeaseUntil, &r.StartedAt, &finished, &r.ErrorCode, &r.ErrorMsg,
		&r.Usage.InputTokens, &r.Usage.OutputTokens, &r.Usage.CachedInputTokens)
	if err != nil {
		return r, err
	}
	r.Status = agentd.RunStatus(status)
	r.LeaseUntil, r.StartedAt = r.LeaseUntil.UTC(), r.StartedAt.UTC()
	if finished != nil {
		r.FinishedAt = finished.UTC()
	}
	return r, nil
}
