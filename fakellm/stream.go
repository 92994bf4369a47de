package fakellm

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// streamer writes one chat.completion.chunk stream.
type streamer struct {
	w       http.ResponseWriter
	flusher http.Flusher
	base    chunk
	next    time.Time // when the next token is due
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request, req *chatRequest, p *plan, id string) {
	ctx := r.Context()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	st := &streamer{w: w, base: chunk{
		ID: id, Object: "chat.completion.chunk", Created: time.Now().Unix(),
		Model: req.Model, SystemFingerprint: "fp_fakellm",
	}}
	st.flusher, _ = w.(http.Flusher)
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		st.base.Usage = jsonNull
	}
	st.flush()
	if p.fault == FaultHang {
		<-ctx.Done() // until the client gives up or the server shuts down
		return
	}
	if sleep(ctx, p.delay(p.cfg.TTFT)) != nil {
		return
	}
	st.next = time.Now()

	var pieces []string // what goes out after the opening chunk
	first := delta{Role: "assistant"}
	if p.tool >= 0 {
		first.ToolCalls = []toolCallDelta{{ID: "call_" + strings.TrimPrefix(id, "chatcmpl-"), Type: "function",
			Function: functionDelta{Name: req.Tools[p.tool].Function.Name}}}
		pieces = splitN(p.args, p.cfg.ArgChunks)
	} else {
		empty := ""
		first.Content = &empty
		for i := range p.tokens {
			pieces = append(pieces, token(p.rng, i))
		}
	}
	st.write(first, nil)
	for i, piece := range pieces {
		if p.fault == FaultCut && i == len(pieces)/2 {
			st.flush()
			panic(http.ErrAbortHandler) // drops the connection: no finish_reason, no [DONE]
		}
		if st.pace(ctx, p) != nil {
			return
		}
		if p.tool >= 0 {
			st.write(delta{ToolCalls: []toolCallDelta{{Function: functionDelta{Arguments: piece}}}}, nil)
		} else {
			st.write(delta{Content: &piece}, nil)
		}
	}
	st.write(delta{}, &p.finish)
	if st.base.Usage != nil {
		done := st.base
		done.Usage, _ = json.Marshal(usageOf(req, p, len(pieces), s.cache.cached(req)))
		st.send(done)
	}
	st.w.Write([]byte("data: [DONE]\n\n"))
	st.flush()
}

// pace waits until the next token is due. It flushes only before waiting,
// so an unpaced stream goes out in as few writes as the buffer allows.
func (st *streamer) pace(ctx context.Context, p *plan) error {
	st.next = st.next.Add(p.delay(p.tokenInterval()))
	wait := time.Until(st.next)
	if wait <= 0 {
		return ctx.Err()
	}
	st.flush()
	return sleep(ctx, wait)
}

func (st *streamer) write(d delta, finish *string) {
	c := st.base
	c.Choices = []chunkChoice{{Delta: d, Logprobs: jsonNull, FinishReason: finish}}
	st.send(c)
}

func (st *streamer) send(c chunk) {
	if c.Choices == nil {
		c.Choices = []chunkChoice{}
	}
	b, _ := json.Marshal(c) // plain structs always marshal
	buf := make([]byte, 0, len(b)+8)
	buf = append(append(append(buf, "data: "...), b...), '\n', '\n')
	st.w.Write(buf) // a failed write means the client left; ctx ends the loop
}

func (st *streamer) flush() {
	if st.flusher != nil {
		st.flusher.Flush()
	}
}

// usageOf counts the reply: one token per text token or argument piece,
// and cached of the prompt's tokens as read from the prompt cache.
func usageOf(req *chatRequest, p *plan, pieces, cached int) usage {
	u := usage{PromptTokens: req.promptTokens(), CompletionTokens: pieces,
		PromptTokensDetails: promptTokensDetails{CachedTokens: cached}}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	return u
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
