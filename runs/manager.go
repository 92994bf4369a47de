// Package runs owns the life of a run: it takes the thread's lease in the
// store, reconciles the client's history, runs the agent loop detached from
// the HTTP request, checkpoints every step, records every event in the run's
// log for streaming and rejoining, and ends every run with exactly one
// RUN_FINISHED or RUN_ERROR.
package runs

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/coord"
	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/store"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
)

// Config configures a Manager.
type Config struct {
	Store  store.Store
	Agents []*agent.Agent
	Model  llm.Provider // default model of agents that set none
	Owner  string       // this instance's id
	// LeaseTTL is how long a thread lease lasts without renewal.
	LeaseTTL time.Duration
	// RunTimeout bounds a whole run.
	RunTimeout time.Duration
	// Retain keeps a finished run's log in memory for rejoining clients,
	// within RetainBytes in all (oldest dropped first; 0: 16 MiB). With a
	// shared event log, rejoining still works from there afterwards.
	Retain      time.Duration
	RetainBytes int64
	Logger      *slog.Logger
	// DoubleSend is what a run on a thread that already has one does:
	// DoubleSendReject (409, the default) or DoubleSendInterrupt.
	DoubleSend string
	// Registerer receives the manager's metrics; nil keeps them private.
	Registerer prometheus.Registerer
	// Events, when set, is the event log shared by all instances: every
	// run's events are copied there so a client can rejoin on any instance.
	Events coord.EventLog
	// EventBatch is how long the copy waits to gather events (0: 50ms).
	EventBatch time.Duration
	// MaxThreadMessages and MaxThreadBytes bound a stored thread (0: no
	// bound): a run whose reconciled thread would hold more messages, or
	// more bytes of them (agui.Message.Size summed), is refused before it
	// starts and nothing is written. The run's own output may take the
	// thread past them; the next run is then refused.
	MaxThreadMessages int
	MaxThreadBytes    int64
	// Signals, when set, reaches the runs of the other instances: Cancel
	// and the interrupt policy then stop a run wherever it executes, and
	// the manager listens for the signals of the others.
	Signals coord.Signals
	// MaxThreadsPerUser caps how many threads one user may have (0: no
	// cap); a run that would create one more is refused with
	// CodeTooManyThreads. It does not apply to agentd.LocalUser.
	MaxThreadsPerUser int
	// UserTokensPerDay is each user's budget of model tokens (input and
	// output) per UTC day (0: none): a run of a user whose runs already
	// used it is refused with CodeTokenQuota until the day ends. A run that
	// crosses it finishes.
	UserTokensPerDay int64
}

// Double-send policies.
const (
	DoubleSendReject    = "reject"
	DoubleSendInterrupt = "interrupt"
)

func (c *Config) defaults() {
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = 30 * time.Second
	}
	if c.RunTimeout <= 0 {
		c.RunTimeout = 10 * time.Minute
	}
	if c.Retain <= 0 {
		c.Retain = time.Minute
	}
	if c.RetainBytes <= 0 {
		c.RetainBytes = 16 << 20
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.EventBatch <= 0 {
		c.EventBatch = 50 * time.Millisecond
	}
	if c.DoubleSend == "" {
		c.DoubleSend = DoubleSendReject
	}
	if c.Owner == "" {
		c.Owner = uuid.NewString()
	}
}

// Manager starts and tracks the runs of one instance.
type Manager struct {
	cfg     Config
	metrics *metrics
	quota   *quota
	agents  map[string]*agent.Agent
	base    context.Context // parent of every run: runs outlive requests
	stop    context.CancelFunc

	mu       sync.Mutex
	runs     map[string]*Run // running and recently finished
	draining bool
	active   sync.WaitGroup
	expiry   []retained           // finished runs in order of expiry
	kept     int64                // bytes of the finished runs' logs still kept
	early    map[string]time.Time // cancels heard before their run was tracked, until when kept

	listening sync.WaitGroup // the lease renewer and the signal listener
}

type retained struct {
	id    string
	at    time.Time
	bytes int64
}

// New returns a Manager; with Config.Signals it listens for the other
// instances' signals until Drain ends. It fails if two agents share a name
// or an agent is invalid.
func New(cfg Config) (*Manager, error) {
	cfg.defaults()
	if cfg.DoubleSend != DoubleSendReject && cfg.DoubleSend != DoubleSendInterrupt {
		return nil, errors.New("runs: double-send policy must be reject or interrupt, not " + cfg.DoubleSend)
	}
	m := &Manager{cfg: cfg, metrics: newMetrics(cfg.Registerer), quota: newQuota(cfg.UserTokensPerDay), agents: map[string]*agent.Agent{}, runs: map[string]*Run{},
		early: map[string]time.Time{}}
	for _, a := range cfg.Agents {
		if err := a.Validate(); err != nil {
			return nil, err
		}
		if _, dup := m.agents[a.Name]; dup {
			return nil, errors.New("runs: two agents named " + a.Name)
		}
		m.agents[a.Name] = a
	}
	m.base, m.stop = context.WithCancel(context.Background())
	m.listening.Go(m.renewLeases)
	if cfg.Signals != nil {
		m.listening.Go(m.listen)
	}
	return m, nil
}

// Agent returns the registered agent with that name.
func (m *Manager) Agent(name string) (*agent.Agent, bool) {
	a, ok := m.agents[name]
	return a, ok
}

// Agents returns the registered agents, by name.
func (m *Manager) Agents() []*agent.Agent {
	out := make([]*agent.Agent, 0, len(m.agents))
	for _, a := range m.agents {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *agent.Agent) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Get returns a running or recently finished run of this instance.
func (m *Manager) Get(id string) (*Run, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireLocked(time.Now())
	r, ok := m.runs[id]
	return r, ok
}

// Feed returns the user's run's events after sequence number after: from
// memory when the run is (or was just) on this instance, else from the
// shared event log, following the run's fate in the store (see
// followFeed). A feed ends with the run's end, restated for a client that
// was past it. coord.ErrNotFound when neither has the run, or it is
// another user's.
func (m *Manager) Feed(ctx context.Context, user, runID string, after int) (Feed, error) {
	if r, ok := m.Get(runID); ok {
		if r.User != user {
			return nil, coord.ErrNotFound
		}
		return &localFeed{log: r.Log}, nil
	}
	return m.followShared(ctx, user, runID, after)
}

// running returns this instance's running run on a thread.
func (m *Manager) running(threadID string) *Run {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.runs {
		if r.ThreadID == threadID && !r.Done() {
			return r
		}
	}
	return nil
}

// Active is the number of runs in progress.
func (m *Manager) Active() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, r := range m.runs {
		if !r.Done() {
			n++
		}
	}
	return n
}

// Draining reports whether Drain has begun.
func (m *Manager) Draining() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.draining
}

// Drain refuses new runs, lets running ones finish until ctx ends, then
// interrupts the rest with RUN_ERROR code "server_restarting" and waits for
// them to record that.
func (m *Manager) Drain(ctx context.Context) {
	m.mu.Lock()
	m.draining = true
	m.mu.Unlock()
	done := make(chan struct{})
	go func() { m.active.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		m.mu.Lock()
		for _, r := range m.runs {
			r.cancel(errRestarting)
		}
		m.mu.Unlock()
		<-done
	}
	m.stop()
	m.listening.Wait()
}

func (m *Manager) track(r *Run) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	m.expireLocked(now)
	m.runs[r.ID] = r
	if m.cancelledEarlyLocked(r.ID, now) {
		r.cancel(errCancelled)
	}
}

// keptRunBytes is what a finished run kept for rejoining holds besides its
// log (the Run, its context, its entries here): about 1 KiB, measured. It
// counts against RetainBytes, as a short run's log is smaller than that.
const keptRunBytes = 1 << 10

func (m *Manager) finished(r *Run) {
	m.mu.Lock()
	defer m.mu.Unlock()
	size := r.Log.Bytes() + keptRunBytes
	m.expiry = append(m.expiry, retained{r.ID, time.Now().Add(m.cfg.Retain), size})
	m.kept += size
}

// expireLocked forgets finished runs whose retention has passed.
func (m *Manager) expireLocked(now time.Time) {
	n := 0
	// Over the memory bound the oldest go first, but never the newest.
	for n < len(m.expiry) && (m.expiry[n].at.Before(now) || (m.kept > m.cfg.RetainBytes && n < len(m.expiry)-1)) {
		delete(m.runs, m.expiry[n].id)
		m.kept -= m.expiry[n].bytes
		n++
	}
	if n > 0 {
		m.expiry = append(m.expiry[:0], m.expiry[n:]...)
	}
}
