package postgres

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"github.com/agentd/agentd"
)

// cursor is the position after the last thread of a page. It travels to
// clients as opaque base64 JSON so its layout can change freely. The time
// is in microseconds, PostgreSQL's precision, so the cursor stays exact
// even for a row written with more than the store's millisecond precision.
type cursor struct {
	UpdatedAt int64  `json:"u"`
	ID        string `json:"i"`
}

func newCursor(updatedAt time.Time, id string) cursor {
	return cursor{UpdatedAt: updatedAt.UnixMicro(), ID: id}
}

func (c cursor) String() string {
	b, _ := json.Marshal(c) // an int and a string always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

func (c cursor) time() time.Time { return time.UnixMicro(c.UpdatedAt).UTC() }

// parseCursor decodes a cursor; a malformed one is the client's mistake.
func parseCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err == nil && c.ID == "" {
		err = errors.New("no thread id")
	}
	if err != nil {
		return c, &agentd.Error{Code: agentd.CodeInvalid, Message: "invalid cursor", Cause: err}
	}
	return c, nil
}
