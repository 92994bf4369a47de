package agui

import (
	"encoding/json"
	"strconv"
)

// ContentType is the SSE media type of a run response.
const ContentType = "text/event-stream"

// AppendFrame appends one SSE frame for ev to dst: an optional "id:" line
// (the event's sequence number, used for Last-Event-ID on rejoin) and one
// "data:" line with the event as single-line JSON, ended by a blank line.
// Framing uses bare \n: the official client splits frames on "\n\n" only.
func AppendFrame(dst []byte, seq int64, ev *Event) ([]byte, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return dst, err
	}
	return AppendRawFrame(dst, seq, body), nil
}

// AppendRawFrame frames an event already encoded as single-line JSON.
func AppendRawFrame(dst []byte, seq int64, event []byte) []byte {
	if seq > 0 {
		dst = append(dst, "id: "...)
		dst = strconv.AppendInt(dst, seq, 10)
		dst = append(dst, '\n')
	}
	dst = append(dst, "data: "...)
	dst = append(dst, event...)
	return append(dst, '\n', '\n')
}

// Heartbeat is an SSE comment frame; clients ignore it, proxies see traffic.
var Heartbeat = []byte(": keep-alive\n\n")
