package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"time"
)

// Verification is the read-back after a run: every turn a client saw
// finish must be in its thread, on whichever instance it is read.
type Verification struct {
	Threads    int      `json:"threads"`    // threads with a finished turn
	Turns      int      `json:"turns"`      // finished turns checked
	Lost       int      `json:"lost"`       // finished turns with a message the thread lacks
	Unreadable int      `json:"unreadable"` // threads that could not be read back
	Seconds    float64  `json:"seconds"`    // how long the read-back took
	Samples    []string `json:"samples,omitempty"`
}

// verify reads back every thread with a finished turn, trying each URL's
// host in turn (a few rounds) until one answers.
func (r *runner) verify(ctx context.Context) *Verification {
	r.mu.Lock()
	finished := maps.Clone(r.finished)
	r.mu.Unlock()
	v := &Verification{}
	began := time.Now()
	defer func() { v.Seconds = time.Since(began).Seconds() }()
	for n, id := range slices.Sorted(maps.Keys(finished)) {
		turns := finished[id]
		v.Threads++
		v.Turns += len(turns)
		stored, err := r.readThread(ctx, n, id)
		if err != nil {
			v.Unreadable++
			v.sample("thread %s: %v", id, err)
			continue
		}
		for i, ids := range turns {
			for _, m := range ids {
				if !stored[m] {
					v.Lost++
					v.sample("thread %s: finished turn %d of %d lacks message %s", id, i+1, len(turns), m)
					break
				}
			}
		}
	}
	return v
}

func (v *Verification) sample(format string, args ...any) {
	if len(v.Samples) < maxDetails {
		v.Samples = append(v.Samples, fmt.Sprintf(format, args...))
	}
}

// readThread returns the ids of the messages GET /threads/{id} holds.
func (r *runner) readThread(ctx context.Context, first int, id string) (map[string]bool, error) {
	var last error
	for k := range 3 * len(r.cfg.URLs) {
		if k > 0 && !pause(ctx, backoff(k)) {
			return nil, ctx.Err()
		}
		ids, err := r.getThread(ctx, resolve(r.cfg.URLs[(first+k)%len(r.cfg.URLs)], "/threads/"+id))
		if err == nil {
			return ids, nil
		}
		last = err
	}
	return nil, last
}

func (r *runner) getThread(ctx context.Context, url string) (map[string]bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range r.cfg.Header {
		req.Header[k] = v
	}
	resp, err := r.cfg.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, msg)
	}
	var thread struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&thread); err != nil {
		return nil, fmt.Errorf("reading the thread: %w", err)
	}
	ids := make(map[string]bool, len(thread.Messages))
	for _, m := range thread.Messages {
		ids[m.ID] = true
	}
	return ids, nil
}
