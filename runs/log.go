package runs

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"sort"
	"sync"
	"time"

	"github.com/agentd/agentd/agui"
)

// Feed is a run's events for one reader, from wherever they are kept.
type Feed interface {
	// Next returns the SSE frames of the events after sequence number
	// after, back to back, and how many there are, waiting up to wait for
	// the first one. It stops once it has maxNext bytes (after at least
	// one event, however large), so a long log is written in pieces. done reports
	// that the run's log is complete and nothing follows the frames
	// returned.
	Next(ctx context.Context, after int, wait time.Duration) (frames []byte, n int, done bool, err error)
}

// Log is a run's event log in this instance's memory: every event, in
// order, numbered from 1. The run appends; any number of readers tail it at
// their own pace, so a slow or vanished client never slows the run, and a
// client that reconnects resumes after the last id it saw.
//
// A log is most of what a streaming run holds in memory, so it is kept
// compact and encoded when read: a per-token event (agui's DeltaOnly) is
// kept as its delta and a reference to its id, about 8 bytes instead of
// 90 of JSON; any other event as its JSON. Records sit back to back in
// chunks of chunkSize that are never grown, so a log has at most one
// chunk's slack, and none once complete.
type Log struct {
	mu     sync.Mutex
	chunks []chunk
	ids    []string // the message and tool call ids of the per-token events
	n      int      // events so far
	closed bool
	wake   chan struct{} // made by a reader that waits; closed by the next append
}

// A chunk holds whole records, each: a kind byte, the payload's length as
// a uvarint, the payload. Bytes once written never change, so a reader
// may read them after letting go of the lock.
type chunk struct {
	first int // events before the chunk's first record
	buf   []byte
}

// Record kinds.
const (
	recJSON = iota // payload: the event's JSON
	recText        // TEXT_MESSAGE_CONTENT; payload: uvarint index in ids, then the delta
	recArgs        // TOOL_CALL_ARGS; likewise
)

// maxNext bounds the events one Feed.Next returns: a client rejoining a
// long run from its start gets it in pieces of this size, not one buffer
// the size of the log.
const maxNext = 64 << 10

// chunkSize holds a 400-token reply in about four chunks; a larger record
// gets a chunk of its own size.
const chunkSize = 1024

func newLog() *Log { return &Log{} }

// append records ev as the next event.
func (l *Log) append(ev *agui.Event, last bool) error {
	id, compact := ev.DeltaOnly()
	var body []byte
	if !compact {
		var err error
		if body, err = json.Marshal(ev); err != nil {
			return err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if compact {
		kind := byte(recText)
		if ev.Type == agui.ToolCallArgs {
			kind = recArgs
		}
		ref := uint64(l.ref(id))
		size := uint64(uvarintLen(ref) + len(ev.Delta))
		c := l.room(1 + uvarintLen(size) + int(size))
		c.buf = append(c.buf, kind)
		c.buf = binary.AppendUvarint(c.buf, size)
		c.buf = binary.AppendUvarint(c.buf, ref)
		c.buf = append(c.buf, ev.Delta...)
	} else {
		c := l.room(1 + uvarintLen(uint64(len(body))) + len(body))
		c.buf = append(c.buf, recJSON)
		c.buf = binary.AppendUvarint(c.buf, uint64(len(body)))
		c.buf = append(c.buf, body...)
	}
	l.n++
	if last && !l.closed {
		l.closed = true
		// Nothing follows: drop the last chunk's slack, as a finished log
		// may be kept for a while.
		c := &l.chunks[len(l.chunks)-1]
		c.buf = append([]byte(nil), c.buf...)
	}
	if l.wake != nil {
		close(l.wake)
		l.wake = nil
	}
	return nil
}

// ref returns the index in l.ids of a per-token event's id. An id repeats
// for every token of its message or tool call, so a short look back finds
// it.
func (l *Log) ref(id string) int {
	for i := len(l.ids) - 1; i >= max(0, len(l.ids)-8); i-- {
		if l.ids[i] == id {
			return i
		}
	}
	l.ids = append(l.ids, id)
	return len(l.ids) - 1
}

// room returns the chunk to write a record of size bytes to.
func (l *Log) room(size int) *chunk {
	if k := len(l.chunks); k > 0 && cap(l.chunks[k-1].buf)-len(l.chunks[k-1].buf) >= size {
		return &l.chunks[k-1]
	}
	l.chunks = append(l.chunks, chunk{first: l.n, buf: make([]byte, 0, max(chunkSize, size))})
	return &l.chunks[len(l.chunks)-1]
}

func uvarintLen(x uint64) int {
	n := 1
	for ; x >= 0x80; x >>= 7 {
		n++
	}
	return n
}

// read calls f with the sequence number and JSON of each event after
// sequence number after, in order, stopping after the event that brings
// the JSON passed to limit bytes (limit <= 0: no bound); the JSON is valid
// only during the call. It returns how many events it passed, whether the
// log is complete with nothing after them, and, when there was nothing to
// pass and more may come, a channel closed when more arrives. f runs
// without the log's lock held.
func (l *Log) read(after, limit int, f func(seq int, event []byte)) (n int, closed bool, wake <-chan struct{}) {
	after = max(after, 0)
	l.mu.Lock()
	closed = l.closed
	if after >= l.n {
		if !closed {
			if l.wake == nil {
				l.wake = make(chan struct{})
			}
			wake = l.wake
		}
		l.mu.Unlock()
		return 0, closed, wake
	}
	// The chunks from the one holding event after+1 on, as they are now
	// (the last one's length grows under the lock).
	from := sort.Search(len(l.chunks), func(i int) bool { return l.chunks[i].first > after }) - 1
	var local [4]chunk
	chunks := append(local[:0], l.chunks[from:]...)
	ids := l.ids
	l.mu.Unlock()

	var scratch []byte // a per-token event's JSON
	passed := 0        // bytes of JSON
	for _, c := range chunks {
		seq := c.first
		for b := c.buf; len(b) > 0; {
			if limit > 0 && passed >= limit {
				return n, false, nil // more follows
			}
			kind := b[0]
			size, k := binary.Uvarint(b[1:])
			payload := b[1+k : 1+k+int(size)]
			b = b[1+k+int(size):]
			if seq++; seq <= after {
				continue
			}
			n++
			if kind == recJSON {
				passed += len(payload)
				f(seq, payload)
				continue
			}
			ref, k := binary.Uvarint(payload)
			t := agui.TextMessageContent
			if kind == recArgs {
				t = agui.ToolCallArgs
			}
			if scratch == nil {
				scratch = make([]byte, 0, 128)
			}
			scratch = agui.AppendDeltaEvent(scratch[:0], t, ids[ref], payload[k:])
			passed += len(scratch)
			f(seq, scratch)
		}
	}
	return n, closed, nil
}

// frames returns the SSE frames after sequence number after, about
// maxNext bytes at most.
func (l *Log) frames(after int) (out []byte, n int, closed bool, wake <-chan struct{}) {
	n, closed, wake = l.read(after, maxNext, func(seq int, ev []byte) {
		if out == nil {
			out = make([]byte, 0, 256) // most reads are of one event or a few
		}
		out = agui.AppendRawFrame(out, int64(seq), ev)
	})
	return out, n, closed, wake
}

// Next implements Feed.
func (l *Log) Next(ctx context.Context, after int, wait time.Duration) ([]byte, int, bool, error) {
	out, n, closed, wake := l.frames(after)
	if n > 0 || closed {
		return out, n, closed && n == 0, nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, 0, false, ctx.Err()
	case <-t.C:
		return nil, 0, false, nil
	case <-wake:
	}
	out, n, closed, _ = l.frames(after)
	return out, n, closed && n == 0, nil
}

// complete reports whether the last event (RUN_FINISHED or RUN_ERROR) is
// in: the run's end is recorded, though its goroutine may not have exited.
func (l *Log) complete() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// Bytes is the memory the log holds.
func (l *Log) Bytes() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	size := 32*cap(l.chunks) + 16*cap(l.ids)
	for _, c := range l.chunks {
		size += cap(c.buf)
	}
	for _, id := range l.ids {
		size += len(id)
	}
	return int64(size)
}

// Len is the number of events so far.
func (l *Log) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}
