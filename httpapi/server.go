// Package httpapi is agentd's HTTP surface: the AG-UI run endpoints and
// their SSE streams, run rejoin and cancel, thread history, health, and the
// JSON error bodies every refusal carries.
package httpapi

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/agentd/agentd/admission"
	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/auth"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/agentd/agentd/runs"
	"github.com/agentd/agentd/store"
)

// DefaultAgent is the agent POST / serves: the name CopilotKit apps use.
const DefaultAgent = "sample_agent"

// Config configures the HTTP surface.
type Config struct {
	Runs   *runs.Manager
	Store  store.Store
	Logger *slog.Logger
	// DefaultAgent is served at POST /; "" means DefaultAgent.
	DefaultAgent string
	// MaxBody caps a request body in bytes (0: 8 MiB).
	MaxBody int64
	// Limits bounds what one run request may carry (zero fields: no bound).
	Limits agui.Limits
	// BodyTimeout bounds reading a run request's body (0: 30s).
	BodyTimeout time.Duration
	// MaxRejoinsPerRun and MaxRejoinsPerUser cap the concurrent
	// GET /runs/{id}/events streams of one run and of one user (0: no cap).
	MaxRejoinsPerRun  int
	MaxRejoinsPerUser int
	// Heartbeat is the gap between SSE keep-alive comments (0: 15s).
	Heartbeat time.Duration
	// UI, when set, is served at GET /.
	UI http.Handler
	// Budget caps concurrent runs; nil means no cap.
	Budget *admission.Budget
	// Limiter rate-limits callers; nil means no limit.
	Limiter admission.Limiter
	// TrustedProxies may set X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// Registerer receives the HTTP metrics; Gatherer, when set, is served
	// at /metrics unless Auth is set (then only Admin serves it).
	Registerer prometheus.Registerer
	Gatherer   prometheus.Gatherer
	// Auth verifies callers; nil means no authentication. Then the API is
	// for this machine: Host must be a loopback name or one of
	// AllowedHosts (DNS rebinding).
	Auth         *auth.Authenticator
	AllowedHosts []string // host names, a port is ignored
	// CORSOrigins may call the API from a browser page (exact origins).
	CORSOrigins []string
}

// Server serves agentd's HTTP API.
type Server struct {
	cfg     Config
	mux     *http.ServeMux
	handler http.Handler // mux behind the request checks
	metrics *metrics
	rejoins rejoins
}

// New returns a Server.
func New(cfg Config) *Server {
	if cfg.DefaultAgent == "" {
		cfg.DefaultAgent = DefaultAgent
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 8 << 20
	}
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = 30 * time.Second
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 15 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), metrics: newMetrics(cfg.Registerer, cfg.Budget),
		rejoins: rejoins{perRun: cfg.MaxRejoinsPerRun, perUser: cfg.MaxRejoinsPerUser}}
	s.routes()
	// Outermost first: the Host check, CORS (answers preflights, which
	// carry no credentials), the cross-site check of POST and DELETE,
	// authentication, then the routes.
	s.handler = s.checkHost(s.cors(s.checkOrigin(s.authenticate(s.mux))))
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("POST /{$}", s.handleRun)
	s.mux.HandleFunc("POST /agents/{name}", s.handleRun)
	s.mux.HandleFunc("GET /agents/{name}/health", s.handleAgentHealth)
	s.mux.HandleFunc("GET /health", s.handleAgentHealth)
	s.mux.HandleFunc("GET /runs/{id}/events", s.handleRunEvents)
	s.mux.HandleFunc("POST /runs/{id}/cancel", s.handleRunCancel)
	s.mux.HandleFunc("GET /threads", s.handleListThreads)
	s.mux.HandleFunc("GET /threads/{id}", s.handleGetThread)
	s.mux.HandleFunc("DELETE /threads/{id}", s.handleDeleteThread)
	s.mux.HandleFunc("GET /livez", s.handleLivez)
	s.mux.HandleFunc("GET /readyz", s.handleReadyz)
	if s.cfg.Gatherer != nil && s.cfg.Auth == nil {
		s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.cfg.Gatherer, promhttp.HandlerOpts{}))
	}
	if s.cfg.UI != nil {
		s.mux.Handle("GET /{$}", s.cfg.UI)
	}
	s.mux.HandleFunc("/", notFound)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}
