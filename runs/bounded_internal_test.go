package runs

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/coord"
	rediscoord "github.com/agentd/agentd/coord/redis"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/store"
)

// readPieces reads feed from its start to its end and checks that every
// piece is bounded (maxNext, plus the one event that may cross it) and
// that the pieces hold events 1..want, each once, in order.
func readPieces(t *testing.T, feed Feed, want, largest int) {
	t.Helper()
	after, pieces := 0, 0
	for {
		frames, n, done, err := feed.Next(t.Context(), after, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if done {
			break
		}
		if n == 0 {
			t.Fatalf("after %d of %d events: an empty read before the end", after, want)
		}
		if len(frames) > maxNext+largest {
			t.Fatalf("a piece of %d bytes, over %d + one event of %d", len(frames), maxNext, largest)
		}
		for i, f := range bytes.Split(bytes.TrimSuffix(frames, []byte("\n\n")), []byte("\n\n")) {
			id, _, _ := bytes.Cut(bytes.TrimPrefix(f, []byte("id: ")), []byte("\n"))
			if seq, _ := strconv.Atoi(string(id)); seq != after+1+i {
				t.Fatalf("after %d: frame %d has id %q, want %d", after, i, id, after+1+i)
			}
			if i == n-1 && !json.Valid(bytes.TrimPrefix(f[bytes.IndexByte(f, '\n')+1:], []byte("data: "))) {
				t.Fatalf("frame %d is cut: %.100q", after+1+i, f)
			}
		}
		after += n
		pieces++
	}
	if after != want {
		t.Fatalf("read %d events, want %d", after, want)
	}
	if pieces < 2 {
		t.Fatalf("read %d events in %d piece", want, pieces)
	}
}

// A rejoin from the start of a 10 MB log gets it in pieces of about
// maxNext bytes, every event once, the large ones whole.
func TestLongLogIsReadInBoundedPieces(t *testing.T) {
	t.Parallel()
	big := agui.Event{Type: agui.StateSnapshot, Snapshot: json.RawMessage(`{"s":"` + strings.Repeat("x", 3*maxNext) + `"}`)}
	evs := []agui.Event{{Type: agui.RunStarted, ThreadID: "t", RunID: "r"}, big,
		{Type: agui.TextMessageStart, MessageID: "m", Role: agui.RoleAssistant}}
	delta := strings.Repeat("token ", 16)
	for len(evs) < 100_000 {
		evs = append(evs, agui.Event{Type: agui.TextMessageContent, MessageID: "m", Delta: delta})
	}
	evs = append(evs, agui.Event{Type: agui.TextMessageEnd, MessageID: "m"}, big, agui.Event{Type: agui.RunFinished, ThreadID: "t", RunID: "r"})
	readPieces(t, fill(t, evs), len(evs), 3*maxNext+100)
}

// So does a rejoin on an instance that reads the run from the shared log.
func TestLongSharedLogIsReadInBoundedPieces(t *testing.T) {
	t.Parallel()
	url, prefix := testenv.Redis(t)
	events, err := rediscoord.Open(t.Context(), url, rediscoord.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { events.Close() })
	const total = 5000 // several of the backend's reads of 1000, each many pieces
	data := []byte(`{"type":"TEXT_MESSAGE_CONTENT","messageId":"m","delta":"` + strings.Repeat("x", 300) + `"}`)
	var batch []coord.Frame
	for seq := 1; seq <= total; seq++ {
		batch = append(batch, coord.Frame{Seq: int64(seq), Data: data})
		if len(batch) == 500 || seq == total {
			if err := events.Append(context.Background(), "r-long", batch, seq == total); err != nil {
				t.Fatal(err)
			}
			batch = nil
		}
	}
	m := testManager(t, Config{Events: events}, time.Second)
	// The run is another instance's: the store knows it, the log has it.
	now := time.Now()
	if _, _, err := m.cfg.Store.StartRun(t.Context(), store.StartRun{RunID: "r-long", ThreadID: "t-long", Agent: "a",
		User: agentd.LocalUser, Owner: "elsewhere", Now: now, LeaseUntil: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	feed, err := m.Feed(t.Context(), agentd.LocalUser, "r-long", 0)
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := feed.(*followFeed); !ok || f.log == nil {
		t.Fatalf("feed is a %T, want a follower of the shared log", feed)
	}
	readPieces(t, feed, total, len(data)+20)
}
