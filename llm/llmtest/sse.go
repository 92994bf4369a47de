package llmtest

import (
	"encoding/json"
	"net/http"
	"testing"
)

// sseWriter writes server-sent events and flushes each one, so the client
// receives them as separate reads, as from a real model server.
type sseWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
	t  testing.TB
}

// event writes one event; name may be empty (OpenAI sends data lines only).
func (s *sseWriter) event(name string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		s.t.Errorf("llmtest: encoding event %q: %v", name, err)
		return
	}
	s.data(name, string(b))
}

func (s *sseWriter) data(name, data string) {
	var frame []byte
	if name != "" {
		frame = append(frame, "event: "+name+"\n"...)
	}
	frame = append(frame, "data: "+data+"\n\n"...)
	s.raw(frame)
}

func (s *sseWriter) raw(b []byte) {
	// A write error means the client left; the test sees that on its side.
	if _, err := s.w.Write(b); err != nil {
		return
	}
	_ = s.rc.Flush()
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
