package sqlite

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
)

// ms converts a time to the schema's Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts Unix milliseconds back to a UTC time.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

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

func decodeMessage(body string) (agui.Message, error) {
	var m agui.Message
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return m, fmt.Errorf("decode message: %w", err)
	}
	return m, nil
}

// runColumns is the column list scanRun reads, in order.
const runColumns = `id, thread_id, user_id, agent, status, owner, fence, lease_until,
	started_at, finished_at, error_code, error_msg, input_tokens, output_tokens, cached_input_tokens`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanRun(sc scanner) (agentd.Run, error) {
	var (
		r                 agentd.Run
		status            string
		leaseUntil, start int64
		finished          sql.NullInt64
	)
	err := sc.Scan(&r.ID, &r.ThreadID, &r.User, &r.Agent, &status, &r.Owner, &r.Fence,
		&leaseUntil, &start, &finished, &r.ErrorCode, &r.ErrorMsg,
		&r.Usage.InputTokens, &r.Usage.OutputTokens, &r.Usage.CachedInputTokens)
	if err != nil {
		return r, err
	}
	r.Status = agentd.RunStatus(status)
	r.LeaseUntil = fromMS(leaseUntil)
	r.StartedAt = fromMS(start)
	if finished.Valid {
		r.FinishedAt = fromMS(finished.Int64)
	}
	return r, nil
}
