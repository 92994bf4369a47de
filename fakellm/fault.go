package fakellm

import "fmt"

// Fault is a failure the simulator injects into one request.
type Fault string

// The faults, named as in X-Fakellm-Fault and in Stats.
const (
	FaultNone        Fault = "none"
	FaultRateLimit   Fault = "429"
	FaultServerError Fault = "500"
	FaultHang        Fault = "hang"
	FaultCut         Fault = "cut"
	FaultBadToolJSON Fault = "bad_tool_json"
)

// ParseFault reads a fault name.
func ParseFault(s string) (Fault, error) {
	switch f := Fault(s); f {
	case FaultNone, FaultRateLimit, FaultServerError, FaultHang, FaultCut, FaultBadToolJSON:
		return f, nil
	}
	return "", fmt.Errorf("unknown fault %q (want none, 429, 500, hang, cut or bad_tool_json)", s)
}

// pick maps a uniform draw u in [0, 1) to a fault: the rates are laid end
// to end on [0, 1), so a rate of 1 always hits and a rate of 0 never does.
func (f *Faults) pick(u float64) Fault {
	for _, r := range []struct {
		rate  float64
		fault Fault
	}{
		{f.RateLimit, FaultRateLimit}, {f.ServerError, FaultServerError},
		{f.Hang, FaultHang}, {f.Cut, FaultCut}, {f.BadToolJSON, FaultBadToolJSON},
	} {
		if u < r.rate {
			return r.fault
		}
		u -= r.rate
	}
	return FaultNone
}
