package runs

import (
	"sync"

	"github.com/agentd/agentd/agui"
)

// Log is a run's event log: every event, encoded once as an SSE frame with
// its sequence number, in order. The run appends; any number of readers
// tail it at their own pace, so a slow or vanished client never slows the
// run, and a client that reconnects resumes after the last id it saw.
type Log struct {
	mu     sync.Mutex
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
	l.closed = l.closed || last
	close(l.wake)
	l.wake = make(chan struct{})
	l.mu.Unlock()
	return nil
}

// Since returns the frames after sequence number after, whether the log is
// complete, and a channel closed when more arrives.
func (l *Log) Since(after int) (frames [][]byte, closed bool, wake <-chan struct{}) {
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

// Len is the number of events so far.
func (l *Log) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.frames)
}
