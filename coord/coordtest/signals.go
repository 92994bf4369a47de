package coordtest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/coord"
)

// SignalsOpener opens the Signals of one instance for test t, sharing its
// backend with the others opened for t, as EventLog's Opener does.
type SignalsOpener func(t *testing.T) coord.Signals

// RunSignals runs the contract suite of coord.Signals. Beyond coord.go it
// pins down: Send refuses an invalid signal; once a listener has heard one
// signal it hears every later one (delivery is at most once only across
// reconnects); every listener of every instance hears each signal, fields
// intact. Its tests run in parallel.
func RunSignals(t *testing.T, open func(t *testing.T) coord.Signals) {
	tests := []struct {
		name string
		fn   func(*testing.T, SignalsOpener)
	}{
		{"ReachesOtherInstance", testSignalReachesOtherInstance},
		{"EveryListenerHears", testEveryListenerHears},
		{"NoneLostOnceListening", testNoneLostOnceListening},
		{"InvalidRefused", testInvalidSignalRefused},
		{"ListenEndsWithContext", testListenEndsWithContext},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}

// signalWait bounds how long a signal may take to arrive, subscribing
// included.
const signalWait = 10 * time.Second

// Listening is a Listen call running in the background for a test.
type Listening struct {
	C     <-chan coord.Signal // what it heard, in order
	ended <-chan error
	stop  context.CancelFunc
	once  sync.Once
}

// Listen starts s.Listen until Stop or the end of t.
func Listen(t *testing.T, s coord.Signals) *Listening {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	ch := make(chan coord.Signal, 1000)
	ended := make(chan error, 1)
	go func() {
		ended <- s.Listen(ctx, func(sig coord.Signal) {
			select {
			case ch <- sig:
			default: // the test stopped reading; fn must not block
			}
		})
	}()
	l := &Listening{C: ch, ended: ended, stop: stop}
	t.Cleanup(func() { l.Stop(t) })
	return l
}

// Stop ends the Listen call and checks that it returns nil promptly.
func (l *Listening) Stop(t *testing.T) {
	t.Helper()
	l.once.Do(func() {
		l.stop()
		select {
		case err := <-l.ended:
			if err != nil {
				t.Errorf("Listen returned %v when its context ended, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Listen did not return within 5s of its context ending")
		}
	})
}

// SendUntilHeard sends sig from s again and again, since listeners just
// started may not be subscribed yet, until each of ls has heard it. It
// fails t when one hears something else or nothing within the wait.
func SendUntilHeard(t *testing.T, s coord.Signals, sig coord.Signal, ls ...*Listening) {
	t.Helper()
	deadline := time.After(signalWait)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	waiting := map[*Listening]bool{}
	for _, l := range ls {
		waiting[l] = true
	}
	for len(waiting) > 0 {
		if err := s.Send(testCtx(t), sig); err != nil {
			t.Fatalf("Send(%+v): %v", sig, err)
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("signal %+v not heard by %d of %d listeners within %v", sig, len(waiting), len(ls), signalWait)
		}
		for l := range waiting {
			select {
			case got := <-l.C:
				if got != sig {
					t.Fatalf("heard %+v, want %+v", got, sig)
				}
				delete(waiting, l)
			default:
			}
		}
	}
	for _, l := range ls {
		drain(t, l, sig)
	}
}

// drain consumes the copies of sig still on their way, so that later
// checks see only later signals.
func drain(t *testing.T, l *Listening, sig coord.Signal) {
	t.Helper()
	for {
		select {
		case got := <-l.C:
			if got != sig {
				t.Fatalf("heard %+v while only %+v was being sent", got, sig)
			}
		case <-time.After(300 * time.Millisecond):
			return
		}
	}
}

// Next returns the next signal l hears, failing t when none comes within
// the wait.
func (l *Listening) Next(t *testing.T) coord.Signal {
	t.Helper()
	select {
	case got := <-l.C:
		return got
	case <-time.After(signalWait):
		t.Fatalf("no signal heard within %v", signalWait)
		return coord.Signal{}
	}
}

// heard fails t unless l hears want next, within the wait.
func heard(t *testing.T, l *Listening, want coord.Signal) {
	t.Helper()
	if got := l.Next(t); got != want {
		t.Fatalf("heard %+v, want %+v", got, want)
	}
}

func testSignalReachesOtherInstance(t *testing.T, open SignalsOpener) {
	a, b := open(t), open(t)
	l := Listen(t, b)
	// Ids with characters an encoding could mangle.
	SendUntilHeard(t, a, coord.Signal{Kind: coord.SignalCancel, RunID: newRunID(t) + ` "x":y\n é`}, l)
	SendUntilHeard(t, a, coord.Signal{Kind: coord.SignalInterrupt, ThreadID: "thread:" + newRunID(t), Keep: newRunID(t)}, l)
	// The sender hears its own signals too.
	own := Listen(t, a)
	SendUntilHeard(t, a, coord.Signal{Kind: coord.SignalCancel, RunID: newRunID(t)}, own)
}

func testEveryListenerHears(t *testing.T, open SignalsOpener) {
	a, b, c := open(t), open(t), open(t)
	lb1, lb2, lc := Listen(t, b), Listen(t, b), Listen(t, c)
	SendUntilHeard(t, a, coord.Signal{Kind: coord.SignalCancel, RunID: newRunID(t)}, lb1, lb2, lc)
	// All three are listening now: one Send reaches each of them.
	sig := coord.Signal{Kind: coord.SignalInterrupt, ThreadID: newRunID(t)}
	if err := a.Send(testCtx(t), sig); err != nil {
		t.Fatal(err)
	}
	for _, l := range []*Listening{lb1, lb2, lc} {
		heard(t, l, sig)
	}
}

func testNoneLostOnceListening(t *testing.T, open SignalsOpener) {
	a, b := open(t), open(t)
	l := Listen(t, b)
	SendUntilHeard(t, a, coord.Signal{Kind: coord.SignalCancel, RunID: newRunID(t)}, l)
	const n = 50
	sent := map[coord.Signal]bool{}
	for i := 0; i < n; i++ {
		sig := coord.Signal{Kind: coord.SignalCancel, RunID: newRunID(t)}
		sent[sig] = true
		if err := a.Send(testCtx(t), sig); err != nil {
			t.Fatal(err)
		}
	}
	for len(sent) > 0 {
		select {
		case got := <-l.C:
			if !sent[got] {
				t.Fatalf("heard %+v, which was not sent or was heard twice", got)
			}
			delete(sent, got)
		case <-time.After(signalWait):
			t.Fatalf("%d of %d signals sent to a subscribed listener never arrived", len(sent), n)
		}
	}
}

func testInvalidSignalRefused(t *testing.T, open SignalsOpener) {
	s := open(t)
	for _, sig := range []coord.Signal{
		{},
		{Kind: coord.SignalCancel},
		{Kind: coord.SignalCancel, ThreadID: "t"},
		{Kind: coord.SignalInterrupt, RunID: "r"},
		{Kind: "pause", RunID: "r"},
	} {
		if err := s.Send(testCtx(t), sig); err == nil {
			t.Errorf("Send(%+v): no error", sig)
		}
	}
}

func testListenEndsWithContext(t *testing.T, open SignalsOpener) {
	a, b := open(t), open(t)
	l := Listen(t, b)
	SendUntilHeard(t, a, coord.Signal{Kind: coord.SignalCancel, RunID: newRunID(t)}, l)
	l.Stop(t)
	// A listener whose context has already ended returns at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() { done <- b.Listen(ctx, func(coord.Signal) {}) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Listen with an ended context = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("Listen with an ended context did not return")
	}
}
