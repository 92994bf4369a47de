package runs

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/agentd/agentd/agui"
)

// Feed is a run's events for one reader, from wherever they are kept.
type Feed interface {
	// Next returns the SSE frames of the events after sequence number
	// after, back to back, and how many there are, waiting up to wait for
	// the first one. done reports that the run's log is complete and
	// nothing follows the frames returned.
	Next(ctx context.Context, after int, wait time.Duration) (frames []byte, n int, done bool, err error)
}

// Log is a run's event log in this instance's memory: every event, encoded
// once as JSON, in order, numbered from 1. The run appends; any number of
// readers tail it at their own pace, so a slow or vanished client never
// slows the run, and a client that reconnects resumes after the last id it
// saw. The events sit back to back in one buffer, framed only when read:
// a log is most of what a streaming run holds in memory.
type Log struct {
	mu     sync.Mutex
	buf    []byte  // the events' JSON, back to back; bytes once written never change
	ends   []int32 // ends[i] is where event i+1 ends in buf
	closed bool
	wake   chan struct{} // closed and replaced on every append
}

func newLog() *Log { return &Log{wake: make(chan struct{})} }

// append encodes ev as the next event.
func (l *Log) append(ev *agui.Event, last bool) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.buf = append(l.buf, body...)
	l.ends = append(l.ends, int32(len(l.buf)))
	l.closed = l.closed || last
	close(l.wake)
	l.wake = make(chan struct{})
	l.mu.Unlock()
	return nil
}

// events returns the JSON of the events after sequence number after (as
// views of the buffer, which stay valid), whether the log is complete, and
// a channel closed when more arrives.
func (l *Log) events(after int) (evs [][]byte, closed bool, wake <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := max(after, 0); i < len(l.ends); i++ {
		evs = append(evs, l.buf[l.start(i):l.ends[i]:l.ends[i]])
	}
	return evs, l.closed, l.wake
}

func (l *Log) start(i int) int32 {
	if i == 0 {
		return 0
	}
	return l.ends[i-1]
}

// frames returns the SSE frames after sequence number after.
func (l *Log) frames(after int) (out []byte, n int, closed bool, wake <-chan struct{}) {
	evs, closed, wake := l.events(after)
	for i, ev := range evs {
		out = agui.AppendRawFrame(out, int64(max(after, 0)+i+1), ev)
	}
	return out, len(evs), closed, wake
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
	return int64(cap(l.buf) + 4*cap(l.ends))
}

// Len is the number of events so far.
func (l *Log) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ends)
}
