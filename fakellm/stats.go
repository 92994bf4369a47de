package fakellm

import (
	"net/http"
	"sync/atomic"
)

// Stats counts what the simulator has decided so far.
type Stats struct {
	Requests  int64           `json:"requests"`
	InFlight  int64           `json:"inFlight"`
	ToolCalls int64           `json:"toolCalls"`
	Faults    map[Fault]int64 `json:"faults"`
}

type stats struct {
	requests, toolCalls, inFlight      atomic.Int64
	none, r429, r500, hang, cut, badJS atomic.Int64
}

func (s *stats) record(p *plan) {
	s.requests.Add(1)
	if p.tool >= 0 {
		s.toolCalls.Add(1)
	}
	s.counter(p.fault).Add(1)
}

func (s *stats) counter(f Fault) *atomic.Int64 {
	switch f {
	case FaultRateLimit:
		return &s.r429
	case FaultServerError:
		return &s.r500
	case FaultHang:
		return &s.hang
	case FaultCut:
		return &s.cut
	case FaultBadToolJSON:
		return &s.badJS
	}
	return &s.none
}

// Stats returns the counts so far.
func (s *Server) Stats() Stats {
	st := Stats{
		Requests:  s.stats.requests.Load(),
		InFlight:  s.stats.inFlight.Load(),
		ToolCalls: s.stats.toolCalls.Load(),
		Faults:    map[Fault]int64{},
	}
	for _, f := range []Fault{FaultNone, FaultRateLimit, FaultServerError, FaultHang, FaultCut, FaultBadToolJSON} {
		st.Faults[f] = s.stats.counter(f).Load()
	}
	return st
}

func (s *Server) serveStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}
