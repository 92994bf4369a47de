package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/agentd/agentd/coord"
)

// readLimit bounds the frames one Read returns, so a client rejoining a
// long run pages through its log rather than loading it at once.
const readLimit = 1000

// maxBlock bounds one XREAD BLOCK: a waiting reader re-checks its context
// and the log's state (a seal without a frame wakes no XREAD) this often.
const maxBlock = time.Second

// Append implements coord.EventLog.
func (c *Client) Append(ctx context.Context, runID string, frames []coord.Frame, done bool) error {
	if err := checkBatch(frames); err != nil {
		return fmt.Errorf("redis: append to run %s: %w", runID, err)
	}
	args := make([]any, 0, 2+2*len(frames))
	sealArg := "0"
	if done {
		sealArg = "1"
	}
	args = append(args, c.ttlMillis(), sealArg)
	for _, f := range frames {
		args = append(args, strconv.FormatInt(f.Seq, 10), f.Data)
	}
	res, err := appendScript.Run(ctx, c.rdb, c.keys(runID), args...).Int64Slice()
	if err != nil {
		return fmt.Errorf("redis: append to run %s: %w", runID, err)
	}
	if len(res) != 2 {
		return fmt.Errorf("redis: append to run %s: unexpected script result %v", runID, res)
	}
	switch res[0] {
	case appendOK:
		return nil
	case appendSealed:
		return fmt.Errorf("redis: append to run %s: %w", runID, coord.ErrSealed)
	case appendGap:
		return fmt.Errorf("redis: append to run %s: frame %d does not follow the last stored, %d", runID, firstAfter(frames, res[1]), res[1])
	default:
		return fmt.Errorf("redis: append to run %s: unexpected script result %v", runID, res)
	}
}

// Seal implements coord.EventLog.
func (c *Client) Seal(ctx context.Context, runID string, data []byte) error {
	if err := sealScript.Run(ctx, c.rdb, c.keys(runID), c.ttlMillis(), data).Err(); err != nil {
		return fmt.Errorf("redis: seal run %s: %w", runID, err)
	}
	return nil
}

// Read implements coord.EventLog.
func (c *Client) Read(ctx context.Context, runID string, after int64, wait time.Duration) ([]coord.Frame, bool, error) {
	after = max(after, 0)
	keys := c.keys(runID)
	deadline := time.Now().Add(wait)
	for {
		frames, done, found, err := c.readNow(ctx, keys, after)
		if err != nil {
			return nil, false, fmt.Errorf("redis: read run %s: %w", runID, err)
		}
		if !found {
			return nil, false, coord.ErrNotFound
		}
		if len(frames) > 0 || done {
			return frames, done, nil
		}
		left := time.Until(deadline)
		if left < time.Millisecond {
			return nil, false, nil
		}
		// Wake on the next entry; what it is, readNow tells.
		err = c.rdb.XRead(ctx, &goredis.XReadArgs{
			Streams: []string{keys[0], strconv.FormatInt(after, 10) + "-0"},
			Count:   1,
			Block:   min(left, maxBlock),
		}).Err()
		if ctx.Err() != nil {
			return nil, false, fmt.Errorf("redis: read run %s: %w", runID, ctx.Err())
		}
		if err != nil && !errors.Is(err, goredis.Nil) {
			return nil, false, fmt.Errorf("redis: read run %s: wait: %w", runID, err)
		}
	}
}

// readNow returns the frames after after and the log's state, read in one
// MULTI so that done cannot be reported with frames still unread.
func (c *Client) readNow(ctx context.Context, keys []string, after int64) (frames []coord.Frame, done, found bool, err error) {
	pipe := c.rdb.TxPipeline()
	xr := pipe.XRangeN(ctx, keys[0], strconv.FormatInt(after+1, 10)+"-0", "+", readLimit+1)
	st := pipe.Get(ctx, keys[1])
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
		return nil, false, false, err
	}
	state, err := st.Result()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, false, false, err
	}
	msgs, err := xr.Result()
	if err != nil {
		return nil, false, false, err
	}
	more := len(msgs) > readLimit
	msgs = msgs[:min(len(msgs), readLimit)]
	frames = make([]coord.Frame, 0, len(msgs))
	for _, m := range msgs {
		f, err := entryFrame(m)
		if err != nil {
			return nil, false, false, err
		}
		frames = append(frames, f)
	}
	return frames, state == "sealed" && !more, state != "" || len(frames) > 0, nil
}

// entryFrame decodes a stream entry written by the scripts.
func entryFrame(m goredis.XMessage) (coord.Frame, error) {
	ms, _, _ := strings.Cut(m.ID, "-")
	seq, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return coord.Frame{}, fmt.Errorf("entry %s: bad id", m.ID)
	}
	data, ok := m.Values["data"].(string)
	if !ok {
		return coord.Frame{}, fmt.Errorf("entry %s: no data field", m.ID)
	}
	return coord.Frame{Seq: seq, Data: []byte(data)}, nil
}

// ttlMillis is the TTL as PX and PEXPIRE take it.
func (c *Client) ttlMillis() int64 {
	return max(c.ttl.Milliseconds(), 1)
}

// checkBatch refuses frames that are not contiguous and ascending from 1
// or more: the log could not hold them without a gap.
func checkBatch(frames []coord.Frame) error {
	for i, f := range frames {
		if f.Seq < 1 {
			return fmt.Errorf("frame seq %d: sequence numbers start at 1", f.Seq)
		}
		if i > 0 && f.Seq != frames[i-1].Seq+1 {
			return fmt.Errorf("frame seq %d follows %d: frames must be contiguous and ascending", f.Seq, frames[i-1].Seq)
		}
	}
	return nil
}

// firstAfter is the seq of the first frame newer than last.
func firstAfter(frames []coord.Frame, last int64) int64 {
	for _, f := range frames {
		if f.Seq > last {
			return f.Seq
		}
	}
	return 0
}
