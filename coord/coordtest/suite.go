// Package coordtest is the contract suite every coord.EventLog must pass.
// It is backend-agnostic: every test uses run ids of its own, so the suite
// can run against a server that other test runs also use.
//
// Beyond coord.go, the suite pins down these details of the contract:
//   - Append checks the seal before anything else: a sealed log refuses
//     even an empty append or a retry of frames it already holds.
//   - Frames already stored (Seq at or below the last one) are skipped, so
//     retrying a batch whose reply was lost is harmless. The first new
//     frame must follow the last stored one and a batch must be contiguous
//     and ascending: anything else is an error (not ErrSealed) and stores
//     nothing.
//   - An Append of no frames creates the log (Read then waits instead of
//     returning ErrNotFound), and with done seals it without a frame.
//   - Read of an unknown run returns ErrNotFound at once, without waiting.
//     Read of a sealed log with nothing after after returns at once with
//     done. Read wakes up when another instance appends or seals, returns
//     no frames after about wait when nothing comes, and returns the
//     context's error when it ends first.
package coordtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/agentd/agentd/coord"
)

// Opener opens an EventLog for test t. Every EventLog opened for one t must
// share its storage with the others opened for that t, as the instances of
// one deployment do; those of different tests may be isolated. It should
// register the log's Close with t.Cleanup.
type Opener func(t *testing.T) coord.EventLog

// RunEventLog runs the contract suite against the logs open returns. Its
// tests run in parallel.
func RunEventLog(t *testing.T, open func(t *testing.T) coord.EventLog) {
	tests := []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"AppendRead", testAppendRead},
		{"ReadAfter", testReadAfter},
		{"RetryIsIdempotent", testRetryIsIdempotent},
		{"GapRefused", testGapRefused},
		{"LargeLog", testLargeLog},
		{"EmptyAppendCreatesLog", testEmptyAppendCreatesLog},
		{"ReadWakesOnAppend", testReadWakesOnAppend},
		{"ReadWakesOnFirstFrame", testReadWakesOnFirstFrame},
		{"ReadTimesOut", testReadTimesOut},
		{"ReadCanceled", testReadCanceled},
		{"Done", testDone},
		{"DoneWakesReader", testDoneWakesReader},
		{"DoneWithoutFrame", testDoneWithoutFrame},
		{"AppendAfterDone", testAppendAfterDone},
		{"SealLive", testSealLive},
		{"SealMissing", testSealMissing},
		{"SealSealed", testSealSealed},
		{"SealWakesReader", testSealWakesReader},
		{"NotFound", testNotFound},
		{"ConcurrentRuns", testConcurrentRuns},
		{"Ping", testPing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}

// RunExpiry checks that logs vanish once expired. expire must make every
// log written so far in t's storage expire: wait out a short TTL, or sweep
// with a clock moved past it.
func RunExpiry(t *testing.T, open func(t *testing.T) coord.EventLog, expire func(t *testing.T)) {
	t.Run("Expiry", func(t *testing.T) {
		t.Parallel()
		testExpiry(t, open, expire)
	})
}

// lostEvent is what a janitor seals a lost run's log with.
var lostEvent = []byte(`{"type":"RUN_ERROR","code":"instance_lost","message":"the instance running this run stopped"}`)

// newRunID returns a run id no other test uses.
func newRunID(t *testing.T) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("random run id: %v", err)
	}
	return "run-" + hex.EncodeToString(b[:])
}

// frame is event seq of a test run: single-line JSON with escapes and
// multi-byte characters, so any re-encoding on the way shows.
func frame(seq int64) coord.Frame {
	return coord.Frame{Seq: seq, Data: fmt.Appendf(nil,
		`{"type":"TEXT_MESSAGE_CONTENT","messageId":"m1","delta":"h\u00e9llo w\u00f6rld \"%d\" \\n \u2603 🙂"}`, seq)}
}

// frames returns events from..to.
func frames(from, to int64) []coord.Frame {
	var fs []coord.Frame
	for s := from; s <= to; s++ {
		fs = append(fs, frame(s))
	}
	return fs
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func mustAppend(t *testing.T, l coord.EventLog, runID string, fs []coord.Frame, done bool) {
	t.Helper()
	if err := l.Append(testCtx(t), runID, fs, done); err != nil {
		t.Fatalf("Append(%s, %d frames, done=%v): %v", runID, len(fs), done, err)
	}
}

func mustRead(t *testing.T, l coord.EventLog, runID string, after int64, wait time.Duration) ([]coord.Frame, bool) {
	t.Helper()
	fs, done, err := l.Read(testCtx(t), runID, after, wait)
	if err != nil {
		t.Fatalf("Read(%s, after %d): %v", runID, after, err)
	}
	return fs, done
}

// checkFrames fails t unless got is exactly the test events from..to
// (none when to < from).
func checkFrames(t *testing.T, got []coord.Frame, from, to int64) {
	t.Helper()
	want := frames(from, to)
	if len(got) != len(want) {
		t.Fatalf("got %d frames %s, want %d (seq %d..%d)", len(got), seqs(got), len(want), from, to)
	}
	for i := range want {
		if got[i].Seq != want[i].Seq || !bytes.Equal(got[i].Data, want[i].Data) {
			t.Fatalf("frame %d = {%d %q}, want {%d %q}", i, got[i].Seq, got[i].Data, want[i].Seq, want[i].Data)
		}
	}
}

// seqs summarizes frames for failure messages.
func seqs(fs []coord.Frame) string {
	if len(fs) == 0 {
		return "[]"
	}
	if len(fs) > 6 {
		return fmt.Sprintf("[%d %d %d … %d]", fs[0].Seq, fs[1].Seq, fs[2].Seq, fs[len(fs)-1].Seq)
	}
	s := "["
	for i, f := range fs {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprint(f.Seq)
	}
	return s + "]"
}
