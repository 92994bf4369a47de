package runs

import (
	"context"
	"time"

	"github.com/agentd/agentd/agui"
)

// localFeed is the feed of a run of this instance, from its log in memory.
// A client that rejoins at or past the log's complete end gets the run's
// last event again, without an id, rather than an empty stream.
type localFeed struct {
	log       *Log
	delivered bool
	restated  bool
}

// Next implements Feed.
func (f *localFeed) Next(ctx context.Context, after int, wait time.Duration) ([]byte, int, bool, error) {
	if f.restated {
		return nil, 0, true, nil
	}
	frames, n, done, err := f.log.Next(ctx, after, wait)
	f.delivered = f.delivered || n > 0
	if !done || f.delivered {
		return frames, n, done, err
	}
	f.restated = true
	return agui.AppendRawFrame(nil, 0, f.log.lastEvent()), 1, false, nil
}

// lastEvent returns a copy of the JSON of the log's last event.
func (l *Log) lastEvent() []byte {
	var last []byte
	l.read(l.Len()-1, 0, func(_ int, ev []byte) { last = append(last[:0], ev...) })
	return last
}
