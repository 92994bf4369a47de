package fakellm

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// complete answers a stream=false request with one chat.completion object,
// after the time the streamed reply would have taken.
func (s *Server) complete(w http.ResponseWriter, r *http.Request, req *chatRequest, p *plan, id string) {
	ctx := r.Context()
	if p.fault == FaultHang {
		<-ctx.Done()
		return
	}
	msg := message{Role: "assistant"}
	pieces := 0
	if p.tool >= 0 {
		msg.ToolCalls = []toolCall{{ID: "call_" + strings.TrimPrefix(id, "chatcmpl-"), Type: "function",
			Function: functionDelta{Name: req.Tools[p.tool].Function.Name, Arguments: p.args}}}
		pieces = len(splitN(p.args, p.cfg.ArgChunks))
	} else {
		var b strings.Builder
		for i := range p.tokens {
			b.WriteString(token(p.rng, i))
		}
		text := b.String()
		msg.Content = &text
		pieces = p.tokens
	}
	wait := p.delay(p.cfg.TTFT)
	for range pieces {
		wait += p.delay(p.tokenInterval())
	}
	if sleep(ctx, wait) != nil {
		return
	}
	body, _ := json.Marshal(completion{
		ID: id, Object: "chat.completion", Created: time.Now().Unix(), Model: req.Model,
		SystemFingerprint: "fp_fakellm",
		Choices:           []completionChoice{{Message: msg, Logprobs: jsonNull, FinishReason: p.finish}},
		Usage:             usageOf(req, p, pieces, s.cache.cached(req)),
	})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(http.StatusOK)
	if p.fault == FaultCut {
		w.Write(body[:len(body)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler) // the body stops short of its Content-Length
	}
	w.Write(append(body, '\n'))
}
