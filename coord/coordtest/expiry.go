package coordtest

import (
	"errors"
	"testing"

	"github.com/agentd/agentd/coord"
)

func testExpiry(t *testing.T, open Opener, expire func(t *testing.T)) {
	l := open(t)
	live, finished, sealed, empty := newRunID(t), newRunID(t), newRunID(t), newRunID(t)
	mustAppend(t, l, live, frames(1, 2), false)
	mustAppend(t, l, finished, frames(1, 2), true)
	if err := l.Seal(testCtx(t), sealed, lostEvent); err != nil {
		t.Fatalf("Seal: %v", err)
	}
	mustAppend(t, l, empty, nil, false)
	for _, id := range []string{live, finished, sealed, empty} {
		mustRead(t, l, id, 0, 0)
	}

	expire(t)

	for _, id := range []string{live, finished, sealed, empty} {
		if fs, done, err := l.Read(testCtx(t), id, 0, 0); !errors.Is(err, coord.ErrNotFound) {
			t.Fatalf("Read of an expired log = %s, %v, %v; want ErrNotFound", seqs(fs), done, err)
		}
	}
	// Whatever is written to an expired run starts a new log.
	if err := l.Seal(testCtx(t), sealed, lostEvent); err != nil {
		t.Fatalf("Seal of an expired run: %v", err)
	}
	checkSealed(t, l, sealed, 0, lostEvent)
	mustAppend(t, l, finished, frames(1, 1), false)
	got, _ := mustRead(t, l, finished, 0, 0)
	checkFrames(t, got, 1, 1)
}
