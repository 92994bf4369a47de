package coordtest

import (
	"errors"
	"testing"
	"time"

	"github.com/agentd/agentd/coord"
)

func testAppendRead(t *testing.T, open Opener) {
	a, b := open(t), open(t)
	id := newRunID(t)
	mustAppend(t, a, id, frames(1, 2), false)
	mustAppend(t, a, id, frames(3, 5), false)
	for name, l := range map[string]coord.EventLog{"writer": a, "other instance": b} {
		got, done := mustRead(t, l, id, 0, 0)
		if done {
			t.Errorf("%s: done on a live log", name)
		}
		checkFrames(t, got, 1, 5)
	}
}

func testReadAfter(t *testing.T, open Opener) {
	l := open(t)
	id := newRunID(t)
	mustAppend(t, l, id, frames(1, 3), false)
	mustAppend(t, l, id, frames(4, 7), false)
	mustAppend(t, l, id, frames(8, 10), false)
	for after := int64(0); after <= 12; after++ {
		got, done := mustRead(t, l, id, after, 0)
		if done {
			t.Fatalf("Read after %d: done on a live log", after)
		}
		checkFrames(t, got, after+1, 10)
	}
}

func testRetryIsIdempotent(t *testing.T, open Opener) {
	a, b := open(t), open(t)
	id := newRunID(t)
	mustAppend(t, a, id, frames(1, 3), false)
	mustAppend(t, a, id, frames(1, 3), false) // reply lost, sent again
	mustAppend(t, b, id, frames(2, 5), false) // overlaps: only 4, 5 are new
	mustAppend(t, a, id, frames(5, 5), false)
	got, _ := mustRead(t, b, id, 0, 0)
	checkFrames(t, got, 1, 5)
}

func testGapRefused(t *testing.T, open Opener) {
	l := open(t)
	id := newRunID(t)
	refused := func(what string, fs []coord.Frame) {
		t.Helper()
		err := l.Append(testCtx(t), id, fs, false)
		if err == nil || errors.Is(err, coord.ErrSealed) {
			t.Fatalf("Append %s: err = %v, want an error other than ErrSealed", what, err)
		}
	}
	refused("starting at 2 on a new log", frames(2, 3))
	if _, _, err := l.Read(testCtx(t), id, 0, 0); !errors.Is(err, coord.ErrNotFound) {
		t.Fatalf("Read after a refused first Append: err = %v, want ErrNotFound (nothing stored)", err)
	}
	mustAppend(t, l, id, frames(1, 2), false)
	refused("skipping 3", frames(4, 5))
	refused("with a hole inside", []coord.Frame{frame(3), frame(5)})
	refused("descending", []coord.Frame{frame(4), frame(3)})
	refused("with seq 0", []coord.Frame{{Seq: 0, Data: []byte(`{}`)}})
	got, done := mustRead(t, l, id, 0, 0)
	if done {
		t.Fatal("done after refused appends")
	}
	checkFrames(t, got, 1, 2)
}

// testLargeLog reads a log far longer than one Read may return: the reader
// pages through it and sees done only with the last page.
func testLargeLog(t *testing.T, open Opener) {
	a, b := open(t), open(t)
	id := newRunID(t)
	const n = 2500
	mustAppend(t, a, id, frames(1, 1000), false)
	mustAppend(t, a, id, frames(1001, n), true)

	var all []coord.Frame
	for after := int64(0); ; {
		got, done := mustRead(t, b, id, after, 0)
		if len(got) == 0 && !done {
			t.Fatalf("Read after %d of %d: no frames and not done", after, n)
		}
		checkFrames(t, got, after+1, after+int64(len(got)))
		all = append(all, got...)
		after += int64(len(got))
		if done {
			if after != n {
				t.Fatalf("done after %d frames, want %d", after, n)
			}
			break
		}
	}
	checkFrames(t, all, 1, n)

	got, _ := mustRead(t, b, id, 1234, 0)
	if len(got) == 0 || got[0].Seq != 1235 {
		t.Fatalf("Read after 1234 starts at %s, want 1235", seqs(got))
	}
}

func testEmptyAppendCreatesLog(t *testing.T, open Opener) {
	l := open(t)
	id := newRunID(t)
	mustAppend(t, l, id, nil, false)
	got, done := mustRead(t, l, id, 0, 0)
	if len(got) != 0 || done {
		t.Fatalf("Read of a new empty log = %s, done=%v; want no frames, not done", seqs(got), done)
	}
	mustAppend(t, l, id, frames(1, 1), false)
	got, _ = mustRead(t, l, id, 0, 0)
	checkFrames(t, got, 1, 1)
}

func testNotFound(t *testing.T, open Opener) {
	l := open(t)
	id := newRunID(t)
	for _, wait := range []time.Duration{0, 5 * time.Second} {
		start := time.Now()
		fs, done, err := l.Read(testCtx(t), id, 0, wait)
		if !errors.Is(err, coord.ErrNotFound) {
			t.Fatalf("Read of an unknown run (wait %v) = %s, %v, %v; want ErrNotFound", wait, seqs(fs), done, err)
		}
		if d := time.Since(start); d > wait/2+time.Second {
			t.Fatalf("Read of an unknown run took %v with wait %v: ErrNotFound should come at once", d, wait)
		}
	}
}

func testPing(t *testing.T, open Opener) {
	if err := open(t).Ping(testCtx(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}
