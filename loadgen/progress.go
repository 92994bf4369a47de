package loadgen

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
)

// IsTerminal reports whether w is a character device, where a live,
// self-overwriting progress line makes sense.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressLine is the one-line status shown each interval.
func progressLine(s Sample, users int, turns int64, outcomes map[string]int64, p99 map[string]float64) string {
	var b strings.Builder
	fmtf(&b, "[%5.0fs] users %d/%d  in flight %d  turns %d", s.T, s.Users, users, s.InFlight, turns)
	if n := outcomes[OutcomeOK]; n > 0 {
		fmtf(&b, "  ok %d", n)
	}
	for _, o := range slices.Sorted(maps.Keys(outcomes)) {
		if o != OutcomeOK {
			fmtf(&b, "  %s %d", o, outcomes[o])
		}
	}
	if v, ok := p99[MetricFirstEvent]; ok {
		fmtf(&b, "  p99 first event %s", fmtMs(v))
	}
	if v, ok := p99[MetricTurn]; ok {
		fmtf(&b, "  p99 turn %s", fmtMs(v))
	}
	if s.RSSBytes > 0 {
		fmtf(&b, "  rss %.0f MiB cpu %.0f%%", float64(s.RSSBytes)/(1<<20), s.CPUPercent)
	}
	return b.String()
}

func fmtf(b *strings.Builder, format string, args ...any) { fmt.Fprintf(b, format, args...) }

// fmtMs prints milliseconds with a unit that keeps 2–3 significant digits.
func fmtMs(ms float64) string {
	return time.Duration(ms * float64(time.Millisecond)).Round(roundFor(ms)).String()
}

func roundFor(ms float64) time.Duration {
	switch {
	case ms >= 10000:
		return 100 * time.Millisecond
	case ms >= 100:
		return time.Millisecond
	case ms >= 1:
		return 10 * time.Microsecond
	}
	return time.Microsecond
}
