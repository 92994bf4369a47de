package coordtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/agentd/agentd/coord"
)

// longWait is the wait of reads that something else must wake up: far
// longer than any wake-up may take, so a reader that was not woken shows.
const longWait = 20 * time.Second

type readResult struct {
	frames []coord.Frame
	done   bool
	err    error
	took   time.Duration
}

// startRead runs Read in a goroutine.
func startRead(ctx context.Context, l coord.EventLog, runID string, after int64, wait time.Duration) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		start := time.Now()
		fs, done, err := l.Read(ctx, runID, after, wait)
		ch <- readResult{fs, done, err, time.Since(start)}
	}()
	return ch
}

// letReaderWait gives a reader just started time to reach its wait, so the
// write that follows wakes it rather than precedes it. The interface has
// no "now waiting" signal; a write that comes too early still passes the
// test, which then only tests less.
func letReaderWait() { time.Sleep(300 * time.Millisecond) }

// woken returns the result of a reader something was meant to wake up,
// failing t when it took about its whole wait.
func woken(t *testing.T, ch <-chan readResult) readResult {
	t.Helper()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("Read: %v", r.err)
		}
		if r.took > longWait/2 {
			t.Fatalf("Read returned after %v: it was not woken up by the write", r.took)
		}
		return r
	case <-time.After(longWait + 10*time.Second):
		t.Fatalf("Read did not return within its wait of %v", longWait)
		return readResult{}
	}
}

func testReadWakesOnAppend(t *testing.T, open Opener) {
	writer, reader := open(t), open(t)
	id := newRunID(t)
	mustAppend(t, writer, id, frames(1, 1), false)
	ch := startRead(testCtx(t), reader, id, 1, longWait)
	letReaderWait()
	mustAppend(t, writer, id, frames(2, 3), false)
	r := woken(t, ch)
	if r.done {
		t.Fatal("done on a live log")
	}
	checkFrames(t, r.frames, 2, 3)
}

// testReadWakesOnFirstFrame: a client may rejoin a run whose log exists but
// holds no frame yet.
func testReadWakesOnFirstFrame(t *testing.T, open Opener) {
	writer, reader := open(t), open(t)
	id := newRunID(t)
	mustAppend(t, writer, id, nil, false)
	ch := startRead(testCtx(t), reader, id, 0, longWait)
	letReaderWait()
	mustAppend(t, writer, id, frames(1, 2), false)
	checkFrames(t, woken(t, ch).frames, 1, 2)
}

func testReadTimesOut(t *testing.T, open Opener) {
	l := open(t)
	id := newRunID(t)
	mustAppend(t, l, id, frames(1, 1), false)
	const wait = 400 * time.Millisecond
	start := time.Now()
	got, done := mustRead(t, l, id, 1, wait)
	took := time.Since(start)
	if len(got) != 0 || done {
		t.Fatalf("Read with nothing new = %s, done=%v; want nothing", seqs(got), done)
	}
	// A little slack below: clocks of client and server differ.
	if took < wait-50*time.Millisecond || took > wait+3*time.Second {
		t.Fatalf("Read with nothing new took %v, want about its wait %v", took, wait)
	}
}

func testReadCanceled(t *testing.T, open Opener) {
	l := open(t)
	id := newRunID(t)
	mustAppend(t, l, id, frames(1, 1), false)
	ctx, cancel := context.WithCancel(testCtx(t))
	ch := startRead(ctx, l, id, 1, longWait)
	letReaderWait()
	cancel()
	select {
	case r := <-ch:
		if !errors.Is(r.err, context.Canceled) {
			t.Fatalf("Read with its context canceled = %s, %v, %v; want context.Canceled", seqs(r.frames), r.done, r.err)
		}
		if r.took > 5*time.Second {
			t.Fatalf("Read returned %v after it began, long after its context was canceled", r.took)
		}
	case <-time.After(longWait + 10*time.Second):
		t.Fatal("Read did not return after its context was canceled")
	}
}

func testDoneWakesReader(t *testing.T, open Opener) {
	writer, reader := open(t), open(t)
	id := newRunID(t)
	mustAppend(t, writer, id, frames(1, 2), false)
	ch := startRead(testCtx(t), reader, id, 2, longWait)
	letReaderWait()
	mustAppend(t, writer, id, frames(3, 3), true)
	r := woken(t, ch)
	checkFrames(t, r.frames, 3, 3)
	if !r.done {
		t.Fatal("the last frame came without done")
	}
}

// testSealWakesReader: a client that rejoined a run whose instance then died
// is told by the janitor's Seal on a third instance.
func testSealWakesReader(t *testing.T, open Opener) {
	writer, reader, janitor := open(t), open(t), open(t)
	id := newRunID(t)
	mustAppend(t, writer, id, frames(1, 2), false)
	ch := startRead(testCtx(t), reader, id, 2, longWait)
	letReaderWait()
	if err := janitor.Seal(testCtx(t), id, lostEvent); err != nil {
		t.Fatalf("Seal: %v", err)
	}
	r := woken(t, ch)
	if len(r.frames) != 1 || r.frames[0].Seq != 3 || string(r.frames[0].Data) != string(lostEvent) || !r.done {
		t.Fatalf("reader got %s (done=%v), want the sealing event as 3 and done", seqs(r.frames), r.done)
	}
}
