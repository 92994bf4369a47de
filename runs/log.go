package runs

import (
	"bytes"
	"context"
	"sync"
	"time"

	"github.com/agentd/agentd/agui"
)

// Feed is a run's events for one reader, from wherever they are kept.
type Feed interface {
	// Next returns the SSE frames after sequence number after, waiting up
	// to wait for the first one. done reports that the run's log is
	// complete and nothing follows the frames returned.
	Next(ctx context.Context, after int, wait time.Duration) (frames [][]byte, done bool, err error)
}

// Log is a run's event log in this instance's memory: every event, encoded
// once as an SSE frame with its sequence number, in order. The run appends;
// any number of readers tail it at their own pace, so a slow or vanished
// client never slows the run, and a client that reconnects resumes after
// the last id it saw.
type Log struct {
	mu     sync.Mutex
	bytes  int64
	frames [][]byte
	closed bool
	wake   chan struct{} // closed and replaced on every append
}

func newLog() *Log { return &Log{wake: make(chan struct{})} }

// append encodes ev with the next sequence number. Only the run's own
// goroutine appends, so the number is known before taking the lock.
func (l *Log) append(ev *agui.Event, last bool) error {
	l.mu.Lock()
	seq := int64(len(l.frames)) + 1
	l.mu.Unlock()
	frame, err := agui.AppendFrame(nil, seq, ev)
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.frames = append(l.frames, frame)
	l.bytes += int64(len(frame))
	l.closed = l.closed || last
	close(l.wake)
	l.wake = make(chan struct{})
	l.mu.Unlock()
	return nil
}

// since returns the frames after sequence number after, whether the log is
// complete, and a channel closed when more arrives.
func (l *Log) since(after int) (frames [][]byte, closed bool, wake <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if after < 0 {
		after = 0
	}
	if after < len(l.frames) {
		frames = l.frames[after:len(l.frames):len(l.frames)]
	}
	return frames, l.closed, l.wake
}

// Next implements Feed.
func (l *Log) Next(ctx context.Context, after int, wait time.Duration) ([][]byte, bool, error) {
	frames, closed, wake := l.since(after)
	if len(frames) > 0 || closed {
		return frames, closed && len(frames) == 0, nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, false, ctx.Err()
	case <-t.C:
		return nil, false, nil
	case <-wake:
	}
	frames, closed, _ = l.since(after)
	return frames, closed && len(frames) == 0, nil
}

// complete reports whether the last event (RUN_FINISHED or RUN_ERROR) is
// in: the run's end is recorded, though its goroutine may not have exited.
func (l *Log) complete() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// Bytes is the size of the encoded events so far.
func (l *Log) Bytes() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bytes
}

// Len is the number of events so far.
func (l *Log) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.frames)
}

// eventJSON is the event inside an SSE frame built by agui.AppendFrame.
func eventJSON(frame []byte) []byte {
	if i := bytes.Index(frame, []byte("data: ")); i >= 0 {
		frame = frame[i+len("data: "):]
	}
	return bytes.TrimRight(frame, "\n")
}
