package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/agentd/agentd/agui"
)

// TurnResult is what one turn did.
type TurnResult struct {
	Outcome    string
	Status     int  // HTTP status, 0 when no response came
	RetryAfter bool // the response carried Retry-After
	Silent     bool // neither finished nor failed visibly: a timeout or a stream without a terminal event
	Detail     string
	Start      time.Time
	Headers    time.Duration // to response headers; 0 if none came
	FirstEvent time.Duration // to the first event; 0 if none came
	FirstToken time.Duration // to the first text delta; 0 if none came
	Total      time.Duration
	Events     int
}

// turn sends one run request and reads its stream to the end. ctx is the
// run's context: when it ends the turn is "cancelled"; the turn's own
// timeout makes it a "timeout".
func turn(ctx context.Context, client *http.Client, target string, header http.Header,
	in *agui.RunAgentInput, conv *conversation, timeout time.Duration) TurnResult {
	res := TurnResult{Start: time.Now()}
	finish := func(outcome, detail string) TurnResult {
		res.Outcome, res.Detail, res.Total = outcome, detail, time.Since(res.Start)
		res.Silent = res.Silent || outcome == OutcomeTimeout
		return res
	}
	body, err := json.Marshal(in)
	if err != nil {
		return finish(OutcomeProtocolError, "encoding the request: "+err.Error())
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(tctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return finish(OutcomeHTTPOther, err.Error())
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", agui.ContentType)

	resp, err := client.Do(req)
	if err != nil {
		return finish(transportOutcome(ctx, tctx), err.Error())
	}
	defer resp.Body.Close()
	res.Headers = time.Since(res.Start)
	res.Status = resp.StatusCode
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		res.RetryAfter = resp.Header.Get("Retry-After") != ""
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return finish(statusOutcome(resp.StatusCode), fmt.Sprintf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(msg)))
	}
	// The server took this turn's messages; what the stream adds, it knows too.
	defer conv.accepted()

	var v agui.Verifier
	var code string
	frames := newFrameReader(resp.Body)
	for {
		data, err := frames.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return finish(transportOutcome(ctx, tctx), fmt.Sprintf("after %d events: %v", res.Events, err))
		}
		var ev agui.Event
		if err := json.Unmarshal(data, &ev); err != nil {
			return finish(OutcomeProtocolError, fmt.Sprintf("event %d is not a JSON event: %v", res.Events+1, err))
		}
		res.Events++
		if res.Events == 1 {
			res.FirstEvent = time.Since(res.Start)
		}
		if err := v.Check(&ev); err != nil {
			return finish(OutcomeProtocolError, err.Error())
		}
		if res.FirstToken == 0 && ev.Delta != "" && (ev.Type == agui.TextMessageContent || ev.Type == agui.TextMessageChunk) {
			res.FirstToken = time.Since(res.Start)
		}
		if ev.Type == agui.RunError {
			code = ev.Code
		}
		conv.apply(&ev)
	}
	switch {
	case !v.Done():
		res.Silent = true
		return finish(OutcomeProtocolError, fmt.Sprintf("stream ended after %d events without RUN_FINISHED or RUN_ERROR", res.Events))
	case v.Errored():
		return finish(RunErrorOutcome(code), "")
	}
	return finish(OutcomeOK, "")
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
