package redis_test

import (
	"net/url"
	"testing"

	"github.com/agentd/agentd/coord"
	"github.com/agentd/agentd/coord/coordtest"
	"github.com/agentd/agentd/coord/redis"
	"github.com/agentd/agentd/internal/testenv"
)

func TestSignals(t *testing.T) {
	testenv.Redis(t)
	open := opener(redis.Options{})
	coordtest.RunSignals(t, func(t *testing.T) coord.Signals { return open(t).(coord.Signals) })
}

// TestSignalsStayUnderTheirPrefix: Pub/Sub channels are server-wide; a
// deployment with another prefix must not hear this one's signals.
func TestSignalsStayUnderTheirPrefix(t *testing.T) {
	u, prefix := testenv.Redis(t)
	mine := openClient(t, target{u, prefix + "a:"}, redis.Options{})
	other := openClient(t, target{u, prefix + "b:"}, redis.Options{})
	l := coordtest.Listen(t, mine)
	coordtest.SendUntilHeard(t, mine, coord.Signal{Kind: coord.SignalCancel, RunID: "probe"}, l)
	if err := other.Send(t.Context(), coord.Signal{Kind: coord.SignalCancel, RunID: "r1"}); err != nil {
		t.Fatal(err)
	}
	marker := coord.Signal{Kind: coord.SignalCancel, RunID: "marker"}
	if err := mine.Send(t.Context(), marker); err != nil {
		t.Fatal(err)
	}
	if got := l.Next(t); got != marker {
		t.Fatalf("heard %+v from another prefix", got)
	}
}

// TestSignalsSurviveReconnect: after the listener's connection is cut and
// Redis is reachable again, signals arrive again.
func TestSignalsSurviveReconnect(t *testing.T) {
	raw, prefix := testenv.Redis(t)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewProxy(t, u.Host)
	u.Host = proxy.Addr
	sender := openClient(t, target{raw, prefix}, redis.Options{})
	receiver := openClient(t, target{u.String(), prefix}, redis.Options{})
	l := coordtest.Listen(t, receiver)
	coordtest.SendUntilHeard(t, sender, coord.Signal{Kind: coord.SignalCancel, RunID: "before"}, l)
	proxy.Cut()
	if err := sender.Send(t.Context(), coord.Signal{Kind: coord.SignalCancel, RunID: "lost"}); err != nil {
		t.Fatal(err)
	}
	proxy.Restore()
	// "lost" was published while the listener was cut off: it is gone
	// (at most once), and SendUntilHeard fails if it shows up now.
	coordtest.SendUntilHeard(t, sender, coord.Signal{Kind: coord.SignalInterrupt, ThreadID: "after"}, l)
}
