package coordtest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/agentd/agentd/coord"
)

func testDone(t *testing.T, open Opener) {
	l := open(t)
	id := newRunID(t)
	mustAppend(t, l, id, frames(1, 2), false)
	mustAppend(t, l, id, frames(3, 4), true)
	for after := int64(0); after <= 3; after++ {
		got, done := mustRead(t, l, id, after, 0)
		if !done {
			t.Fatalf("Read after %d of a finished log: not done", after)
		}
		checkFrames(t, got, after+1, 4)
	}
	// Nothing can follow: the read must not wait.
	start := time.Now()
	got, done := mustRead(t, l, id, 4, longWait)
	if len(got) != 0 || !done {
		t.Fatalf("Read at the end of a finished log = %s, done=%v; want nothing, done", seqs(got), done)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("Read at the end of a finished log waited %v", took)
	}
}

func testDoneWithoutFrame(t *testing.T, open Opener) {
	l := open(t)
	id := newRunID(t)
	mustAppend(t, l, id, frames(1, 2), false)
	mustAppend(t, l, id, nil, true)
	got, done := mustRead(t, l, id, 0, 0)
	checkFrames(t, got, 1, 2)
	if !done {
		t.Fatal("not done after Append(nil, done)")
	}
	if got, done := mustRead(t, l, id, 2, longWait); len(got) != 0 || !done {
		t.Fatalf("Read at the end = %s, done=%v; want nothing, done", seqs(got), done)
	}
}

func testAppendAfterDone(t *testing.T, open Opener) {
	a, b := open(t), open(t)
	id := newRunID(t)
	mustAppend(t, a, id, frames(1, 2), true)
	for _, c := range []struct {
		what string
		l    coord.EventLog
		fs   []coord.Frame
		done bool
	}{
		{"the next frame", a, frames(3, 3), false},
		{"the next frame, from another instance", b, frames(3, 4), true},
		{"no frame", a, nil, false},
		{"no frame, done", a, nil, true},
		{"a retry of the stored frames", a, frames(1, 2), true},
	} {
		if err := c.l.Append(testCtx(t), id, c.fs, c.done); !errors.Is(err, coord.ErrSealed) {
			t.Fatalf("Append %s to a finished log: err = %v, want ErrSealed", c.what, err)
		}
	}
	got, done := mustRead(t, b, id, 0, 0)
	checkFrames(t, got, 1, 2)
	if !done {
		t.Fatal("not done")
	}
}

// checkSealed fails t unless the log of id is the test events 1..last
// followed by the sealing event data as last+1, done.
func checkSealed(t *testing.T, l coord.EventLog, id string, last int64, data []byte) {
	t.Helper()
	got, done := mustRead(t, l, id, 0, 0)
	if int64(len(got)) != last+1 || !done {
		t.Fatalf("sealed log = %s, done=%v; want 1..%d and done", seqs(got), done, last+1)
	}
	checkFrames(t, got[:last], 1, last)
	if s := got[last]; s.Seq != last+1 || !bytes.Equal(s.Data, data) {
		t.Fatalf("sealing frame = {%d %q}, want {%d %q}", s.Seq, s.Data, last+1, data)
	}
}

func testSealLive(t *testing.T, open Opener) {
	writer, janitor := open(t), open(t)
	id := newRunID(t)
	mustAppend(t, writer, id, frames(1, 3), false)
	if err := janitor.Seal(testCtx(t), id, lostEvent); err != nil {
		t.Fatalf("Seal: %v", err)
	}
	checkSealed(t, writer, id, 3, lostEvent)
	// The writer was only paused: it resumes and must stop.
	if err := writer.Append(testCtx(t), id, frames(4, 5), false); !errors.Is(err, coord.ErrSealed) {
		t.Fatalf("Append after Seal: err = %v, want ErrSealed", err)
	}
	if err := writer.Append(testCtx(t), id, frames(4, 4), true); !errors.Is(err, coord.ErrSealed) {
		t.Fatalf("Append(done) after Seal: err = %v, want ErrSealed", err)
	}
	checkSealed(t, janitor, id, 3, lostEvent)
}

func testSealMissing(t *testing.T, open Opener) {
	l := open(t)
	id := newRunID(t)
	if err := l.Seal(testCtx(t), id, lostEvent); err != nil {
		t.Fatalf("Seal of an unknown run: %v", err)
	}
	checkSealed(t, l, id, 0, lostEvent)
	if err := l.Append(testCtx(t), id, frames(1, 1), false); !errors.Is(err, coord.ErrSealed) {
		t.Fatalf("Append after Seal: err = %v, want ErrSealed", err)
	}
}

func testSealSealed(t *testing.T, open Opener) {
	a, b := open(t), open(t)
	sealed, finished := newRunID(t), newRunID(t)
	mustAppend(t, a, sealed, frames(1, 2), false)
	if err := a.Seal(testCtx(t), sealed, lostEvent); err != nil {
		t.Fatalf("Seal: %v", err)
	}
	mustAppend(t, a, finished, frames(1, 2), true)
	// Two janitors may both find the run lost.
	for _, l := range []coord.EventLog{a, b} {
		if err := l.Seal(testCtx(t), sealed, []byte(`{"type":"RUN_ERROR","code":"second"}`)); err != nil {
			t.Fatalf("second Seal: %v", err)
		}
		if err := l.Seal(testCtx(t), finished, lostEvent); err != nil {
			t.Fatalf("Seal of a finished log: %v", err)
		}
	}
	checkSealed(t, b, sealed, 2, lostEvent)
	got, done := mustRead(t, b, finished, 0, 0)
	checkFrames(t, got, 1, 2)
	if !done {
		t.Fatal("finished log not done")
	}
}
