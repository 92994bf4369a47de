package loadgen

import (
	"bytes"
	"testing"
)

func TestProgressLine(t *testing.T) {
	t.Parallel()
	s := Sample{T: 12, Users: 40, InFlight: 31, RSSBytes: 64 << 20, CPUPercent: 85}
	got := progressLine(s, 50, 300, map[string]int64{OutcomeOK: 290, Outcome503: 4, Outcome429: 6},
		map[string]float64{MetricFirstEvent: 12.5, MetricTurn: 6100})
	want := "[   12s] users 40/50  in flight 31  turns 300  ok 290  http_429 6  http_503 4  p99 first event 12.5ms  p99 turn 6.1s  rss 64 MiB cpu 85%"
	if got != want {
		t.Errorf("progress line\n got %q\nwant %q", got, want)
	}
}

func TestFmtMs(t *testing.T) {
	t.Parallel()
	for ms, want := range map[float64]string{0.0123: "12µs", 1.23456: "1.23ms", 123.456: "123ms", 12345.6: "12.3s"} {
		if got := fmtMs(ms); got != want {
			t.Errorf("fmtMs(%g) = %q, want %q", ms, got, want)
		}
	}
}

func TestIsTerminal(t *testing.T) {
	t.Parallel()
	if IsTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is not a terminal")
	}
}
