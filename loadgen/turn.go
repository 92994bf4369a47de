package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/agentd/agentd/agui"
)

// TurnResult is what one turn did.
type TurnResult struct {
	Outcome    string
	Status     int  // HTTP status of the last response, 0 when none came
	RetryAfter bool // the refusal carried Retry-After
	Silent     bool // neither finished nor failed visibly: a timeout or a stream without a terminal event
	Detail     string
	Start      time.Time
	Headers    time.Duration // to the first response's headers; 0 if none came
	FirstEvent time.Duration // to the first event; 0 if none came
	FirstToken time.Duration // to the first text delta; 0 if none came
	Total      time.Duration
	Events     int
	Retries    int      // run requests sent again after a refusal or a connection never made
	Rejoins    int      // GET /runs/{id}/events after a dropped stream
	Committed  []string // on RUN_FINISHED: the ids of the messages the turn sent and received, which the thread must now hold
}

// turnClient sends turns: where to, and how hard to try.
type turnClient struct {
	http    *http.Client
	header  http.Header
	urls    []string
	timeout time.Duration // the whole turn, retries and rejoins included
	retry   int           // further run requests after a 429/503 or a connection never made, each to the next URL
	rejoin  int           // rejoins of a dropped stream, each on the next URL
}

// turn sends one run request to urls[first] and reads its stream to the
// end. A refusal with 429 or 503 is sent again to the next URL after its
// Retry-After, up to retry times; a dropped stream (cut connection, an end
// without RUN_FINISHED or RUN_ERROR, or agentd's own stream-only RUN_ERROR)
// is rejoined on the next URL with GET /runs/{runId}/events and
// Last-Event-ID, up to rejoin times, and the turn goes on from the next
// event: a gap or a repeated id is a protocol error. ctx is the run's
// context: when it ends the turn is "cancelled"; the turn's own timeout
// makes it a "timeout".
//
// own are the ids of the messages the turn adds to the thread (the rest
// of in.Messages is history): on RUN_FINISHED they and the streamed
// messages are the turn's Committed.
func (c *turnClient) turn(ctx context.Context, first int, in *agui.RunAgentInput, conv *conversation, own []string) TurnResult {
	res := TurnResult{Start: time.Now()}
	finish := func(outcome, detail string) TurnResult {
		res.Outcome, res.Detail, res.Total = outcome, detail, time.Since(res.Start)
		if outcome != OutcomeOK && res.Retries+res.Rejoins > 0 {
			res.Detail = strings.TrimSpace(fmt.Sprintf("%s (after %d retries, %d rejoins)", res.Detail, res.Retries, res.Rejoins))
		}
		res.Silent = res.Silent || outcome == OutcomeTimeout
		return res
	}
	body, err := json.Marshal(in)
	if err != nil {
		return finish(OutcomeProtocolError, "encoding the request: "+err.Error())
	}
	tctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	s := &turnStream{res: &res, conv: conv, own: own}
	rejoining, accepted := false, false
	defer func() {
		if accepted {
			conv.accepted() // the server took this turn's messages; what the stream adds, it knows too
		}
	}()
	for n := first; ; n++ {
		target := c.urls[n%len(c.urls)]
		req, err := c.request(tctx, target, in.RunID, rejoining, body, s.lastID)
		if err != nil {
			return finish(OutcomeHTTPOther, err.Error())
		}
		resp, err := c.http.Do(req)
		if err != nil {
			switch {
			case tctx.Err() != nil:
				return finish(transportOutcome(ctx, tctx), err.Error())
			case !rejoining && neverSent(err) && res.Retries < c.retry:
				res.Retries++
				if !pause(tctx, backoff(res.Retries)) {
					return finish(transportOutcome(ctx, tctx), err.Error())
				}
				continue
			case res.Rejoins < c.rejoin && s.resumable():
				// The request may have reached the server: rejoin rather than run it twice.
				rejoining = true
				res.Rejoins++
				if !pause(tctx, backoff(res.Rejoins)) {
					return finish(transportOutcome(ctx, tctx), err.Error())
				}
				continue
			}
			return finish(transportOutcome(ctx, tctx), err.Error())
		}
		if res.Headers == 0 {
			res.Headers = time.Since(res.Start)
		}
		res.Status = resp.StatusCode
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			ra := resp.Header.Get("Retry-After")
			msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			resp.Body.Close()
			detail := fmt.Sprintf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
			busy := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable
			switch {
			case rejoining && resp.StatusCode == http.StatusNotFound && res.Events == 0 && res.Retries < c.retry:
				// The cut request never started the run: send it again.
				rejoining = false
				res.Retries++
				continue
			case busy && rejoining && res.Rejoins < c.rejoin:
				res.Rejoins++
			case busy && !rejoining && res.Retries < c.retry:
				res.Retries++
			default:
				res.RetryAfter = ra != ""
				if rejoining {
					detail = "rejoining: " + detail
				}
				return finish(statusOutcome(resp.StatusCode), detail)
			}
			if !pause(tctx, retryAfter(ra)) {
				return finish(transportOutcome(ctx, tctx), detail)
			}
			continue
		}
		accepted = accepted || !rejoining
		outcome, detail, dropped := s.read(resp.Body, rejoining, res.Rejoins < c.rejoin)
		resp.Body.Close()
		if !dropped {
			return finish(outcome, detail)
		}
		switch {
		case tctx.Err() != nil:
			return finish(transportOutcome(ctx, tctx), detail)
		case res.Rejoins < c.rejoin && s.resumable():
			// At once on the next URL; again (that instance failing too) after a pause.
			rejoining = true
			res.Rejoins++
			if res.Rejoins > 1 && !pause(tctx, backoff(res.Rejoins-1)) {
				return finish(transportOutcome(ctx, tctx), detail)
			}
			continue
		}
		if outcome == OutcomeProtocolError {
			res.Silent = true
		}
		return finish(outcome, detail)
	}
}

// request is the turn's POST, or a rejoin's GET of the run's events after
// the last event seen.
func (c *turnClient) request(ctx context.Context, target, runID string, rejoin bool, body []byte, lastID int64) (*http.Request, error) {
	var req *http.Request
	var err error
	if rejoin {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, resolve(target, "/runs/"+runID+"/events"), nil)
	} else {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	}
	if err != nil {
		return nil, err
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", agui.ContentType)
	if rejoin {
		if lastID > 0 {
			req.Header.Set("Last-Event-ID", fmt.Sprint(lastID))
		}
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// transportOutcome tells a turn timeout from the run being stopped and from
// a broken connection.
func transportOutcome(run, turn context.Context) string {
	switch {
	case run.Err() != nil:
		return OutcomeCancelled
	case turn.Err() != nil:
		return OutcomeTimeout
	}
	return OutcomeStreamError
}

// turnStream is one turn's events over all its streams: the first and
// every rejoin continue the same run.
type turnStream struct {
	res     *TurnResult
	conv    *conversation
	own     []string // ids of the messages this turn added
	v       agui.Verifier
	lastID  int64 // sequence number of the last event, 0 before one
	noIDs   bool  // an event came without a numeric id: the stream cannot be rejoined
	code    string
	message string
	msgIDs  []string // messages the stream added or changed
}

// resumable reports whether a rejoin can continue exactly where the
// stream stopped.
func (s *turnStream) resumable() bool { return !s.noIDs || s.res.Events == 0 }

// read consumes one stream. It returns the turn's outcome once the run
// ended or the stream broke the protocol; dropped says the stream stopped
// first (outcome and detail then say how, should it not be rejoined).
// canRejoin lets a stream-only RUN_ERROR count as dropped.
func (s *turnStream) read(body io.Reader, rejoined, canRejoin bool) (outcome, detail string, dropped bool) {
	res := s.res
	frames := newFrameReader(body)
	for {
		data, err := frames.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return OutcomeStreamError, fmt.Sprintf("after %d events: %v", res.Events, err), true
		}
		var ev agui.Event
		if err := json.Unmarshal(data, &ev); err != nil {
			return OutcomeProtocolError, fmt.Sprintf("event %d is not a JSON event: %v", res.Events+1, err), false
		}
		id, numbered := parseID(frames.ID)
		if ev.Type == agui.RunError && !numbered && canRejoin && streamOnly(ev.Code) {
			return RunErrorOutcome(ev.Code), ev.Message, true // the run goes on; its end is in the log
		}
		switch {
		case numbered && rejoined && id != s.lastID+1:
			return OutcomeProtocolError, fmt.Sprintf("rejoined stream: event id %d after %d (a gap or a repeat)", id, s.lastID), false
		case numbered:
			s.lastID = id
		case frames.ID != "" || ev.Type != agui.RunFinished && ev.Type != agui.RunError:
			s.noIDs = true // a restated end may come without an id; anything else must have one
		}
		res.Events++
		if res.Events == 1 {
			res.FirstEvent = time.Since(res.Start)
		}
		if err := s.v.Check(&ev); err != nil {
			return OutcomeProtocolError, err.Error(), false
		}
		if res.FirstToken == 0 && ev.Delta != "" && (ev.Type == agui.TextMessageContent || ev.Type == agui.TextMessageChunk) {
			res.FirstToken = time.Since(res.Start)
		}
		if ev.Type == agui.RunError {
			s.code, s.message = ev.Code, ev.Message
		}
		s.note(&ev)
		s.conv.apply(&ev)
	}
	switch {
	case !s.v.Done():
		return OutcomeProtocolError, fmt.Sprintf("stream ended after %d events without RUN_FINISHED or RUN_ERROR", res.Events), true
	case s.v.Errored():
		return RunErrorOutcome(s.code), s.message, false
	}
	res.Committed = append(append([]string{}, s.own...), s.msgIDs...)
	return OutcomeOK, "", false
}

// note keeps the ids of the messages an event adds to the thread.
func (s *turnStream) note(ev *agui.Event) {
	var id string
	switch ev.Type {
	case agui.TextMessageStart, agui.TextMessageChunk, agui.ToolCallResult:
		id = ev.MessageID
	case agui.ToolCallStart, agui.ToolCallChunk:
		id = ev.ParentMessageID
	}
	if id != "" && (len(s.msgIDs) == 0 || s.msgIDs[len(s.msgIDs)-1] != id) {
		s.msgIDs = append(s.msgIDs, id)
	}
}
