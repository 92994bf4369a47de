package httpapi_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/admission"
	"github.com/agentd/agentd/internal/testenv"
	"github.com/agentd/agentd/store/postgres"
	"github.com/agentd/agentd/store/storetest"
)

// A PostgreSQL store with no connection to spare for a new run refuses it
// within the queue wait with 503, code overloaded and Retry-After, and
// keeps nothing of it. The store's own bound is a minute: only the queue
// wait, passed down to the store, can refuse the run in time.
func TestShed_BusyStoreRefusesWithinTheQueueWait(t *testing.T) {
	t.Parallel()
	st, err := postgres.Open(t.Context(), testenv.Postgres(t), postgres.Options{MaxConns: 2, ShedWait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b := setup(t, options{store: st, budget: admission.NewBudget(10, 200*time.Millisecond)})

	// A slow start holds the one place the pool has for new runs.
	release := storetest.HoldStart(t, st, "held", "t-held")

	thread := newID("t")
	r := b.post("/", input(thread, userMsg("hi")))
	release()
	if r.status != http.StatusServiceUnavailable || !strings.Contains(string(r.body), `"overloaded"`) {
		t.Fatalf("run on a busy store: %d %s, want 503 overloaded", r.status, r.body)
	}
	if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("503 without a usable Retry-After (%q)", r.header.Get("Retry-After"))
	}
	if got := b.do("GET", "/threads/"+thread, "", nil, nil); got.status != http.StatusNotFound {
		t.Errorf("GET the refused run's thread: %d %s, want 404", got.status, got.body)
	}

	// With the place free again, the same conversation runs.
	if r := b.post("/", input(thread, userMsg("hi"))); r.status != 200 {
		t.Errorf("run after the store caught up: %d %s", r.status, r.body)
	}
}
