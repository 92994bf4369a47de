package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/coord"
	pgcoord "github.com/agentd/agentd/coord/postgres"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/sim"
	"github.com/agentd/agentd/store"
	"github.com/agentd/agentd/store/postgres"
)

// testUserHeader names the user of a test request. Only the tests' own
// middleware reads it; in agentd the user comes from authentication.
const testUserHeader = "X-Test-User"

// asTestUser puts the user named in testUserHeader into the request's
// context, as authentication does; without the header the request has no
// caller, as without authentication.
func asTestUser(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := r.Header.Get(testUserHeader); u != "" {
			r = r.WithContext(agentd.WithCaller(r.Context(), agentd.Caller{User: u, Via: "key"}))
		}
		h.ServeHTTP(w, r)
	})
}

func as(user string) http.Header { return http.Header{testUserHeader: {user}} }

func (b *bundle) postAs(user, path string, in any) *result {
	b.t.Helper()
	body, err := json.Marshal(in)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do("POST", path, "application/json", body, as(user))
}

// recorder is a model that passes every request on to a real one and
// keeps the messages it was sent.
type recorder struct {
	llm.Provider
	mu   sync.Mutex
	sent [][]agui.Message
}

func (r *recorder) Stream(ctx context.Context, req *llm.Request, emit func(llm.Delta) error) error {
	r.mu.Lock()
	r.sent = append(r.sent, slices.Clone(req.Messages))
	r.mu.Unlock()
	return r.Provider.Stream(ctx, req, emit)
}

// requests returns the requests that had a message containing text.
func (r *recorder) requests(text string) [][]agui.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out [][]agui.Message
	for _, msgs := range r.sent {
		if slices.ContainsFunc(msgs, func(m agui.Message) bool { return strings.Contains(m.Text(), text) }) {
			out = append(out, msgs)
		}
	}
	return out
}

// ownershipStores open the store of one backend for a test.
var ownershipStores = map[string]func(t *testing.T) store.Store{
	"sqlite": func(t *testing.T) store.Store { return testenv.SQLite(t) },
	"postgres": func(t *testing.T) store.Store {
		st, err := postgres.Open(t.Context(), testenv.Postgres(t), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	},
}

// TestOwnership_OtherUserSeesNothing has Bob try every thread and run
// route on Alice's thread and run, while it runs and after: each answers
// exactly as for a missing one, Alice's run and thread are untouched (even
// under --double-send interrupt), and Bob's model never gets her messages.
func TestOwnership_OtherUserSeesNothing(t *testing.T) {
	for name, open := range ownershipStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{Provider: sim.New(sim.Config{TokensPerSecond: 40, ReplyTokens: 120})} // about 3s
			b := setup(t, options{store: open(t), model: rec, doubleSend: "interrupt"})
			const alice, bob = "alice", "bob"
			secret := newID("alice's secret")
			in := input(newID("t"), userMsg(secret))
			done := make(chan *result)
			go func() { done <- b.postAs(alice, "/", in) }()
			waitRunning(t, b, in.RunID)

			noThread := b.do("GET", "/threads/"+newID("missing"), "", nil, as(bob))
			missingRun := newID("missing")
			noRun := b.do("GET", "/runs/"+missingRun+"/events", "", nil, as(bob))
			wantNotFound(t, "GET of a missing thread", noThread, "")
			wantNotFound(t, "rejoin of a missing run", noRun, "")
			// Only the id in it tells the answer about a run apart.
			runBody := strings.ReplaceAll(string(noRun.body), missingRun, in.RunID)
			probe := func(when string) {
				t.Helper()
				wantNotFound(t, when+": GET Alice's thread", b.do("GET", "/threads/"+in.ThreadID, "", nil, as(bob)), string(noThread.body))
				wantNotFound(t, when+": DELETE Alice's thread", b.do("DELETE", "/threads/"+in.ThreadID, "", nil, as(bob)), string(noThread.body))
				wantNotFound(t, when+": rejoin Alice's run", b.do("GET", "/runs/"+in.RunID+"/events", "", nil, as(bob)), runBody)
				wantNotFound(t, when+": cancel Alice's run", b.do("POST", "/runs/"+in.RunID+"/cancel", "", nil, as(bob)), runBody)
				wantNotFound(t, when+": run on Alice's thread", b.postAs(bob, "/", input(in.ThreadID, userMsg("bob's probe"))), string(noThread.body))
			}
			probe("while it runs")
			if r, ok := b.runs.Get(in.RunID); !ok || r.Done() {
				t.Fatal("Alice's run ended before Bob's requests were done: the test proves nothing about interrupting it")
			}
			(<-done).mustFinish(t, in) // not interrupted, not cancelled
			probe("after it ended")

			// Alice still has it all: the run's events, a 409 for a cancel
			// of an ended run, her thread with her message and the reply.
			if r := b.do("GET", "/runs/"+in.RunID+"/events", "", nil, as(alice)); r.status != 200 || r.last().Type != agui.RunFinished {
				t.Fatalf("Alice's rejoin: %d %s", r.status, r.body)
			}
			if r := b.do("POST", "/runs/"+in.RunID+"/cancel", "", nil, as(alice)); r.status != http.StatusConflict {
				t.Fatalf("Alice's cancel of her ended run: %d %s", r.status, r.body)
			}
			msgs := b.threadAs(alice, in.ThreadID)
			if len(msgs) != 2 || msgs[0].ID != in.Messages[0].ID || msgs[1].Role != agui.RoleAssistant {
				t.Fatalf("Alice's thread afterwards: %+v", msgs)
			}

			// Bob's own thread works, and his model sees only his messages.
			own := input(newID("t"), userMsg("bob's own question"))
			b.postAs(bob, "/", own).mustFinish(t, own)
			if got := rec.requests(secret); len(got) == 0 {
				t.Fatal("the recorder saw no request with Alice's message: it records nothing")
			}
			if got := rec.requests("bob's probe"); len(got) != 0 {
				t.Fatalf("Bob's refused runs reached the model: %d requests", len(got))
			}
			bobs := rec.requests("bob's own question")
			if len(bobs) == 0 {
				t.Fatal("Bob's run never reached the model")
			}
			for _, msgs := range bobs {
				for _, m := range msgs {
					if strings.Contains(m.Text(), secret) {
						t.Fatalf("Bob's model was sent Alice's message %q", m.Text())
					}
				}
			}

			// Each lists only their own; a request without a user is
			// "local", who has none here.
			for user, want := range map[string][]string{alice: {in.ThreadID}, bob: {own.ThreadID}, "": {}} {
				if got := b.listAs(user); !slices.Equal(got, want) {
					t.Errorf("GET /threads as %q: %v, want %v", user, got, want)
				}
			}
		})
	}
}

// TestOwnership_OtherInstance has Bob rejoin, cancel and (under
// --double-send interrupt) run on, from a second instance, Alice's run and
// thread on the first (one PostgreSQL for the store, the shared event log
// and the signals): 404, and her run goes on, while her own cancel there
// reaches it.
func TestOwnership_OtherInstance(t *testing.T) {
	t.Parallel()
	url := testenv.Postgres(t)
	st, err := postgres.Open(t.Context(), url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	instance := func() (*bundle, *pgcoord.EventLog) {
		ev, err := pgcoord.Open(t.Context(), url, pgcoord.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ev.Close() })
		return setup(t, options{store: st, events: ev, signals: ev, doubleSend: "interrupt",
			model: sim.New(sim.Config{TokensPerSecond: 20, ReplyTokens: 400})}), ev // about 20s unless cancelled
	}
	one, _ := instance()
	two, ev := instance()
	in := input(newID("t"), userMsg("a long answer please"))
	done := make(chan *result)
	go func() { done <- one.postAs("alice", "/", in) }()
	waitRunning(t, one, in.RunID)
	// Instance two sees the run in the shared log (it is copied there a
	// moment after it starts), so it could serve it.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, _, err := ev.Read(t.Context(), in.RunID, 0, 0)
		if err == nil {
			break
		}
		if !errors.Is(err, coord.ErrNotFound) || time.Now().After(deadline) {
			t.Fatalf("the run's shared log: %v", err)
		}
	}

	missing := newID("missing")
	noRun := two.do("GET", "/runs/"+missing+"/events", "", nil, as("bob"))
	wantNotFound(t, "rejoin of a missing run on instance two", noRun, "")
	runBody := strings.ReplaceAll(string(noRun.body), missing, in.RunID)
	wantNotFound(t, "Bob's rejoin on instance two", two.do("GET", "/runs/"+in.RunID+"/events", "", nil, as("bob")), runBody)
	wantNotFound(t, "Bob's cancel on instance two", two.do("POST", "/runs/"+in.RunID+"/cancel", "", nil, as("bob")), runBody)
	noThread := two.do("GET", "/threads/"+newID("missing"), "", nil, as("bob"))
	wantNotFound(t, "Bob's run on Alice's thread on instance two", two.postAs("bob", "/", input(in.ThreadID, userMsg("mine now"))), string(noThread.body))
	if r, ok := one.runs.Get(in.RunID); !ok || r.Done() {
		t.Fatal("Alice's run ended before Bob's requests were done")
	}

	if r := two.do("POST", "/runs/"+in.RunID+"/cancel", "", nil, as("alice")); r.status != http.StatusAccepted {
		t.Fatalf("Alice's cancel on instance two: %d %s", r.status, r.body)
	}
	if last := (<-done).last(); last.Type != agui.RunError || last.Code != string(agentd.RunErrCancelled) {
		t.Fatalf("Alice's run ended with %+v, want RUN_ERROR cancelled", last)
	}
	if r := two.do("GET", "/runs/"+in.RunID+"/events", "", nil, as("alice")); r.status != 200 || r.last().Code != string(agentd.RunErrCancelled) {
		t.Fatalf("Alice's rejoin on instance two: %d %s %+v", r.status, r.body, r.last())
	}
	wantNotFound(t, "Bob's rejoin on instance two after the end", two.do("GET", "/runs/"+in.RunID+"/events", "", nil, as("bob")), runBody)
}

// wantNotFound fails unless res is a 404 not_found JSON error, with
// exactly the body want when want is set.
func wantNotFound(t *testing.T, what string, res *result, want string) {
	t.Helper()
	var body struct {
		Error struct{ Code, Message string }
	}
	if res.status != http.StatusNotFound || json.Unmarshal(res.body, &body) != nil || body.Error.Code != "not_found" || body.Error.Message == "" {
		t.Fatalf("%s: %d %s, want 404 not_found", what, res.status, res.body)
	}
	if want != "" && string(res.body) != want {
		t.Fatalf("%s: body %s, want the same as for a missing one: %s", what, res.body, want)
	}
}

// threadAs reads GET /threads/{id} as user.
func (b *bundle) threadAs(user, id string) []agui.Message {
	b.t.Helper()
	res := b.do("GET", "/threads/"+id, "", nil, as(user))
	if res.status != 200 {
		b.t.Fatalf("GET thread as %s: %d %s", user, res.status, res.body)
	}
	var body struct{ Messages []agui.Message }
	if err := json.Unmarshal(res.body, &body); err != nil {
		b.t.Fatal(err)
	}
	return body.Messages
}

// listAs returns the ids GET /threads lists for user ("": no user).
func (b *bundle) listAs(user string) []string {
	b.t.Helper()
	var hdr http.Header
	if user != "" {
		hdr = as(user)
	}
	res := b.do("GET", "/threads", "", nil, hdr)
	if res.status != 200 {
		b.t.Fatalf("GET /threads as %q: %d %s", user, res.status, res.body)
	}
	var body struct {
		Threads []agentd.ThreadSummary
	}
	if err := json.Unmarshal(res.body, &body); err != nil {
		b.t.Fatal(err)
	}
	ids := []string{}
	for _, th := range body.Threads {
		ids = append(ids, th.ID)
	}
	return ids
}

// TestOwnership_MaxThreadsPerUser checks the cap on a user's threads: the
// run that would create one more is refused with 403 too_many_threads and
// creates nothing; runs on the user's existing threads and "local" (no
// authentication) are not held back.
func TestOwnership_MaxThreadsPerUser(t *testing.T) {
	t.Parallel()
	b := setup(t, options{maxThreads: 2})
	for range 2 {
		in := input(newID("t"), userMsg("hi"))
		b.postAs("alice", "/", in).mustFinish(t, in)
	}
	over := input(newID("t"), userMsg("one too many"))
	res := b.postAs("alice", "/", over)
	var body struct {
		Error struct{ Code, Message string }
	}
	if res.status != http.StatusForbidden || json.Unmarshal(res.body, &body) != nil ||
		body.Error.Code != "too_many_threads" || !strings.Contains(body.Error.Message, "(2)") {
		t.Fatalf("a third thread: %d %s, want 403 too_many_threads naming the limit 2", res.status, res.body)
	}
	wantNotFound(t, "the refused thread", b.do("GET", "/threads/"+over.ThreadID, "", nil, as("alice")), "")
	if got := b.listAs("alice"); len(got) != 2 {
		t.Fatalf("Alice has threads %v, want her 2", got)
	}
	again := input(b.listAs("alice")[0], userMsg("more on an old thread"))
	b.postAs("alice", "/", again).mustFinish(t, again)
	for range 3 {
		in := input(newID("t"), userMsg("hi"))
		b.post("/", in).mustFinish(t, in) // no user: local
	}
	if got := b.listAs(""); len(got) != 3 {
		t.Fatalf("local has threads %v, want 3: the cap does not apply to local", got)
	}
}
