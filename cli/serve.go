package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/agentd/agentd"
	"github.com/agentd/agentd/admission"
	"github.com/agentd/agentd/agent"
	"github.com/agentd/agentd/agentfile"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/httpapi"
	"github.com/agentd/agentd/llm"
	"github.com/agentd/agentd/llm/guard"
	"github.com/agentd/agentd/mcptools"
	"github.com/agentd/agentd/runs"
	"github.com/agentd/agentd/store"
	"github.com/agentd/agentd/webui"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// serve runs the server until SIGINT/SIGTERM or ctx ends, then drains.
func serve(ctx context.Context, args []string, stderr io.Writer, agents []*agent.Agent) error {
	c, err := parseServe(args, stderr)
	if err != nil {
		return err
	}
	log := newLogger(stderr, c.LogFormat, c.LogLevel)
	if len(agents) == 0 && c.Agents == "" {
		return errors.New("serve: no agents to serve")
	}
	ctx, stopSignals := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stopSignals()

	// Bind the port and answer /livez before anything slow (migrations),
	// so a platform sees the process alive while it starts.
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("serve: listen: %w", err)
	}
	// The handler is swapped once start-up is done.
	var handler atomic.Pointer[http.Handler]
	starting := startingHandler()
	handler.Store(&starting)
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*handler.Load()).ServeHTTP(w, r) }),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), buildInfo())
	if c.PprofAddr != "" {
		log.Warn("--pprof-addr is deprecated: use --admin-addr")
	}
	admin, err := startAdmin(c.AdminAddr, reg, list(c.AllowedHosts), log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer admin.stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "version", Version)

	def := ""
	if c.Agents != "" {
		file, err := loadAgents(c, agents, log, reg)
		if err != nil {
			_ = srv.Close()
			return err
		}
		defer file.Close() // after the drain: runs still call the MCP servers
		agents = append(agents[:len(agents):len(agents)], file.Agents...)
		def = file.Default
		log.Info("agents file", "path", c.Agents, "agents", len(file.Agents))
	}
	if len(agents) == 0 {
		_ = srv.Close()
		return errors.New("serve: no agents to serve")
	}
	if def == "" {
		def = defaultAgent(agents)
	}

	st, co, mgr, err := start(ctx, c, log, agents, reg)
	if err != nil {
		_ = srv.Close()
		return err
	}
	defer st.Close()
	defer co.Close()
	proxies, err := parsePrefixes(c.TrustedProxies)
	if err != nil {
		return err
	}
	authn, err := newAuth(ctx, c, log)
	if err != nil {
		_ = srv.Close()
		return err
	}
	api := httpapi.New(httpapi.Config{Auth: authn, Runs: mgr, Store: st, Logger: log, DefaultAgent: def,
		MaxBody: c.MaxBody, Heartbeat: c.Heartbeat, BodyTimeout: c.BodyTimeout,
		Limits: agui.Limits{IDBytes: c.MaxIDBytes, Messages: c.MaxMessages, MessageBytes: c.MaxMessageBytes,
			Tools: c.MaxTools, StateBytes: c.MaxStateBytes},
		MaxRejoinsPerRun: c.MaxRejoinsPerRun, MaxRejoinsPerUser: c.MaxRejoinsPerUser, Budget: admission.NewBudget(c.MaxRuns, c.QueueWait).WithPressure(admission.WatchPressure(ctx, c.MaxLag)),
		Limiter: co.limiter, TrustedProxies: proxies, Registerer: reg, Gatherer: reg, UI: webui.Handler(),
		AllowedHosts: list(c.AllowedHosts), CORSOrigins: list(strings.ToLower(c.CORSOrigins))})
	var ready http.Handler = api
	handler.Store(&ready)
	bg := startBackground(ctx, mgr, max(c.LeaseTTL/3, time.Second), c.ThreadTTL, co.sweep, log)
	defer bg.Stop() // before the store and the event log close
	log.Info("ready", "store", redact(c.Store), "agents", len(agents), "default_agent", def,
		"max_runs", c.MaxRuns, "rate_per_caller", c.Rate)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	stopSignals() // a second signal now stops the process at once
	log.Info("draining", "timeout", c.DrainTimeout.String(), "active_runs", mgr.Active())
	dctx, cancel := context.WithTimeout(context.Background(), c.DrainTimeout)
	defer cancel()
	mgr.Drain(dctx)
	sctx, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	admin.stop()
	log.Info("stopped")
	return nil
}

// start opens the store and the coordination backends and builds the run
// manager.
func start(ctx context.Context, c *serveConfig, log *slog.Logger, agents []*agent.Agent, reg prometheus.Registerer) (store.Store, *coordination, *runs.Manager, error) {
	st, embedded, err := openStore(ctx, c.Store)
	if err != nil {
		return nil, nil, nil, err
	}
	if q, ok := st.(interface{ WritesQueued() int }); ok {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "agentd_store_writes_queued",
			Help: "Writes waiting for the embedded store's single writer; new runs are refused past its shed mark."},
			func() float64 { return float64(q.WritesQueued()) }))
	}
	if q, ok := st.(interface{ StartsWaiting() int }); ok {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "agentd_store_starts_waiting",
			Help: "New runs waiting for a PostgreSQL connection; new runs are refused past the shed mark."},
			func() float64 { return float64(q.StartsWaiting()) }))
	}
	co, err := openCoordination(ctx, c, embedded, log)
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	fail := func(err error) (store.Store, *coordination, *runs.Manager, error) {
		co.Close()
		st.Close()
		return nil, nil, nil, err
	}
	model, err := newModel(c, log)
	if err != nil {
		return fail(err)
	}
	limits := guard.Limits{FirstToken: c.FirstToken, Idle: c.Idle, Attempts: c.ModelAttempts, MaxConcurrent: c.ModelConcurrency}
	model = guard.Wrap(model, limits, reg)
	agents = guarded(agents, limits, reg)
	host, _ := os.Hostname()
	mgr, err := runs.New(runs.Config{Store: st, Agents: agents, Model: model, Owner: host + "/" + uuid.NewString()[:8],
		LeaseTTL: c.LeaseTTL, RunTimeout: c.RunTimeout, MaxThreadMessages: c.MaxThreadMessages, MaxThreadBytes: c.MaxThreadBytes, Retain: c.Rejoin, RetainBytes: c.RejoinMemory, Logger: log, DoubleSend: c.DoubleSend, Registerer: reg,
		Events: co.events, Signals: co.signals, MaxThreadsPerUser: c.MaxThreads,
		UserTokensPerDay: c.TokensPerDay})
	if err != nil {
		return fail(err)
	}
	if embedded {
		// Only this process uses the file: a run still marked running was
		// cut off by a crash or kill. Free its thread now, not at lease expiry.
		if _, err := mgr.Recover(ctx, time.Now().Add(100*365*24*time.Hour), agentd.RunErrServerRestarted, "the server restarted during the run; send the message again"); err != nil {
			return fail(fmt.Errorf("serve: recover runs: %w", err))
		}
	}
	log.Info("model", "provider", model.Name(), "spec", c.Model, "shared_event_log", co.events != nil)
	return st, co, mgr, nil
}

// loadAgents reads the agents file; its agents may use the tools of the
// agents defined in Go by name.
func loadAgents(c *serveConfig, goAgents []*agent.Agent, log *slog.Logger, reg prometheus.Registerer) (*agentfile.Loaded, error) {
	tools := map[string]agent.Tool{}
	var names []string
	for _, a := range goAgents {
		names = append(names, a.Name)
		for _, t := range a.Tools {
			tools[t.Name] = t
		}
	}
	l, err := agentfile.Load(c.Agents, agentfile.Options{Tools: tools, Agents: names, Logger: log, Metrics: mcptools.NewMetrics(reg),
		Model: func(spec string) (llm.Provider, error) { return modelFor(c, spec) }})
	if err != nil {
		return nil, fmt.Errorf("serve: --agents: %w", err)
	}
	return l, nil
}

// guarded gives agents that bring their own model the same limits.
func guarded(agents []*agent.Agent, l guard.Limits, reg prometheus.Registerer) []*agent.Agent {
	out := make([]*agent.Agent, len(agents))
	for i, a := range agents {
		if a.Model != nil {
			cp := *a
			cp.Model = guard.Wrap(a.Model, l, reg)
			a = &cp
		}
		out[i] = a
	}
	return out
}

func defaultAgent(agents []*agent.Agent) string {
	for _, a := range agents {
		if a.Name == httpapi.DefaultAgent {
			return a.Name
		}
	}
	return agents[0].Name
}

// startingHandler answers while the server starts: alive, not ready.
func startingHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/livez" {
			_, _ = io.WriteString(w, `{"status":"ok"}`+"\n")
			return
		}
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"error":{"code":"unavailable","message":"the server is starting"}}`+"\n")
	})
}

func parsePrefixes(cidrs string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range list(cidrs) {
		if !strings.Contains(f, "/") {
			if a, err := netip.ParseAddr(f); err == nil {
				out = append(out, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("serve: --trusted-proxies: %q is not a CIDR or address", f)
		}
		out = append(out, p)
	}
	return out, nil
}

// buildInfo is agentd_build_info{version,go_version}, always 1: it tells
// the dashboards which build each instance runs.
func buildInfo() prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "agentd_build_info",
		Help: "The build of this instance, always 1."}, []string{"version", "go_version"})
	g.WithLabelValues(Version, runtime.Version()).Set(1)
	return g
}
