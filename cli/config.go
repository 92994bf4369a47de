package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/agentd/agentd/httpapi"
	"github.com/agentd/agentd/internal/flagenv"
)

var errUsage = errors.New("usage")

// serveConfig is everything "serve" can be told.
type serveConfig struct {
	Addr          string
	Store         string
	Model         string
	Agents        string
	OpenAIBaseURL string
	OpenAIKey     string
	AnthropicKey  string
	LogFormat     string
	LogLevel      string

	RunTimeout   time.Duration
	LeaseTTL     time.Duration
	DrainTimeout time.Duration
	Rejoin       time.Duration
	RejoinMemory int64
	ThreadTTL    time.Duration
	MaxThreads   int
	TokensPerDay int64
	MaxBody      int64
	Heartbeat    time.Duration

	// Input limits: per request, per stored thread, per reader.
	MaxIDBytes        int
	MaxMessages       int
	MaxMessageBytes   int
	MaxTools          int
	MaxStateBytes     int
	MaxThreadMessages int
	MaxThreadBytes    int64
	BodyTimeout       time.Duration
	MaxRejoinsPerRun  int
	MaxRejoinsPerUser int

	FirstToken       time.Duration
	Idle             time.Duration
	ModelAttempts    int
	ModelConcurrency int

	MaxLag         time.Duration
	MaxRuns        int
	QueueWait      time.Duration
	Rate           float64
	RateBurst      int
	TrustedProxies string
	DoubleSend     string

	AdminAddr    string
	PprofAddr    string // deprecated alias of AdminAddr
	AllowedHosts string
	CORSOrigins  string

	APIKeys        string
	JWTSecret      string
	JWKSURL        string
	JWTIssuer      string
	JWTAudience    string
	JWTUserClaim   string
	InsecureNoAuth bool

	Redis       string
	RedisPrefix string
	EventTTL    time.Duration

	SimFirstToken time.Duration
	SimTPS        float64
	SimTokens     int
}

// parseServe reads flags; every flag also has an AGENTD_* variable, which
// the flag overrides. PORT, as platforms set it, listens on all interfaces.
func parseServe(args []string, stderr io.Writer) (*serveConfig, error) {
	c := &serveConfig{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: agentd serve [flags]\nEvery flag can also be set as AGENTD_<NAME> (e.g. --run-timeout as AGENTD_RUN_TIMEOUT).\nKeys: OPENAI_API_KEY, ANTHROPIC_API_KEY. PORT, when set, listens on 0.0.0.0:$PORT.\nAny address but loopback needs --api-keys, --jwt-secret or --jwks-url (or --insecure-no-auth).")
		fs.PrintDefaults()
	}
	addr := "127.0.0.1:8123"
	if p := os.Getenv("PORT"); p != "" {
		addr = "0.0.0.0:" + p
	}
	fs.StringVar(&c.Addr, "addr", addr, "listen address host:port (PORT)")
	fs.StringVar(&c.Store, "store", "sqlite://./agentd.db", "store URL: sqlite:///path/to.db")
	fs.StringVar(&c.Model, "model", "", "default model: demo, sim, openai:MODEL or anthropic:MODEL (default: openai or anthropic when its key is set, else demo)")
	fs.StringVar(&c.Agents, "agents", "", "agents file (YAML, see examples/agents.yaml): agents served beside the built-in ones")
	fs.StringVar(&c.OpenAIBaseURL, "openai-base-url", os.Getenv("OPENAI_BASE_URL"), "base URL of an OpenAI-compatible API")
	fs.StringVar(&c.LogFormat, "log-format", "", "json or text (default: text on a terminal, else json)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.DurationVar(&c.RunTimeout, "run-timeout", 10*time.Minute, "limit on a whole run")
	fs.DurationVar(&c.LeaseTTL, "lease-ttl", 30*time.Second, "thread lease lifetime without renewal")
	fs.DurationVar(&c.DrainTimeout, "drain-timeout", 25*time.Second, "on SIGTERM, how long in-flight runs may finish")
	fs.DurationVar(&c.Rejoin, "rejoin-window", time.Minute, "how long a finished run's events stay available to rejoining clients")
	fs.Int64Var(&c.RejoinMemory, "rejoin-memory", 16<<20, "bytes of finished runs' events kept in memory for rejoining (oldest dropped first)")
	fs.DurationVar(&c.ThreadTTL, "thread-ttl", 0, "delete threads idle this long; 0 keeps them forever")
	fs.IntVar(&c.MaxThreads, "max-threads-per-user", 10000, "threads one user may have; a run that would create one more gets 403 too_many_threads; 0: no cap; never applies to \"local\" (no authentication)")
	fs.Int64Var(&c.TokensPerDay, "user-tokens-per-day", 0, "model tokens (input+output) one user's runs may use per UTC day; a run started over it gets 429 token_quota; 0: no budget")
	fs.Int64Var(&c.MaxBody, "max-body", 8<<20, "largest request body in bytes")
	fs.DurationVar(&c.Heartbeat, "heartbeat", 15*time.Second, "gap between SSE keep-alive comments")
	fs.IntVar(&c.MaxIDBytes, "max-id-bytes", 128, "longest threadId, runId, message id or tool call id in bytes (422)")
	fs.IntVar(&c.MaxMessages, "max-messages", 11_000, "most messages in one run request (422)")
	fs.IntVar(&c.MaxMessageBytes, "max-message-bytes", 1<<20, "largest message of a run request, as JSON bytes (413)")
	fs.IntVar(&c.MaxTools, "max-tools", 128, "most tools in one run request (422)")
	fs.IntVar(&c.MaxStateBytes, "max-state-bytes", 1<<20, "largest state of a run request, as JSON bytes (413)")
	fs.IntVar(&c.MaxThreadMessages, "max-thread-messages", 10_000, "most messages a stored thread may reach; a run over it is refused (422)")
	fs.Int64Var(&c.MaxThreadBytes, "max-thread-bytes", 8<<20, "most bytes of messages a stored thread may reach; a run over it is refused (413)")
	fs.DurationVar(&c.BodyTimeout, "body-timeout", 30*time.Second, "longest wait for a run request's body (408)")
	fs.IntVar(&c.MaxRejoinsPerRun, "max-rejoins-per-run", 8, "concurrent GET /runs/{id}/events streams of one run (429)")
	fs.IntVar(&c.MaxRejoinsPerUser, "max-rejoins-per-user", 32, "concurrent GET /runs/{id}/events streams of one user (429)")
	fs.DurationVar(&c.FirstToken, "first-token-timeout", time.Minute, "limit on the wait for a model's first token")
	fs.DurationVar(&c.Idle, "idle-timeout", 30*time.Second, "limit on a gap between model tokens")
	fs.IntVar(&c.ModelAttempts, "model-attempts", 3, "tries of a model call on 429/5xx, with backoff and jitter, within the run's deadline")
	fs.IntVar(&c.ModelConcurrency, "model-concurrency", 0, "concurrent calls per model provider; 0: as many as --max-runs")
	fs.DurationVar(&c.MaxLag, "max-sched-lag", 500*time.Millisecond, "refuse new runs (503) while the Go scheduler runs this late on average (CPU saturated); 0 disables")
	fs.IntVar(&c.MaxRuns, "max-runs", defaultMaxRuns(), "concurrent runs on this instance (default sized for the memory limit)")
	fs.DurationVar(&c.QueueWait, "queue-wait", 2*time.Second, "longest wait for a run slot before 503 + Retry-After")
	fs.Float64Var(&c.Rate, "rate", 0, "runs per second per caller (the verified user, else client IP); 0 disables (behind a CopilotKit runtime all users may share one IP)")
	fs.IntVar(&c.RateBurst, "rate-burst", 20, "burst of runs a caller may start at once")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", "", "comma-separated CIDRs whose X-Forwarded-For is believed")
	fs.StringVar(&c.DoubleSend, "double-send", "reject", "a run on a busy thread: reject (409) or interrupt (cancel the running one)")
	fs.StringVar(&c.Redis, "redis", "", "Redis URL (redis://…): shared rate limits and run event logs across instances")
	fs.StringVar(&c.RedisPrefix, "redis-prefix", "agentd:", "prefix of every Redis key agentd writes")
	fs.DurationVar(&c.EventTTL, "event-ttl", time.Hour, "how long a run's shared event log is kept for rejoining clients (with --redis or PostgreSQL)")
	fs.StringVar(&c.AdminAddr, "admin-addr", "", "serve /metrics and net/http/pprof on this separate address (e.g. 127.0.0.1:6060); empty: off")
	fs.StringVar(&c.PprofAddr, "pprof-addr", "", "deprecated: use --admin-addr")
	fs.StringVar(&c.AllowedHosts, "allowed-hosts", "", "comma-separated host names answered besides loopback ones: by the API while no authentication is configured, and by --admin-addr")
	fs.StringVar(&c.CORSOrigins, "cors-origins", "", "comma-separated origins (https://app.example.com) whose pages may call the API; none: no CORS")
	fs.StringVar(&c.APIKeys, "api-keys", "", "service keys: comma-separated, or @/path/file with one per line")
	fs.StringVar(&c.JWTSecret, "jwt-secret", "", "accept HS256 JWTs signed with this secret (at least 32 bytes)")
	fs.StringVar(&c.JWKSURL, "jwks-url", "", "accept RS256/ES256/EdDSA JWTs signed with a key from this JWK Set URL")
	fs.StringVar(&c.JWTIssuer, "jwt-issuer", "", "required iss of a JWT")
	fs.StringVar(&c.JWTAudience, "jwt-audience", "", "required aud of a JWT")
	fs.StringVar(&c.JWTUserClaim, "jwt-user-claim", "sub", "JWT claim naming the user")
	fs.BoolVar(&c.InsecureNoAuth, "insecure-no-auth", false, "allow a non-loopback --addr without authentication (every caller is the user \"local\")")
	fs.DurationVar(&c.SimFirstToken, "sim-first-token", 0, "sim model: delay before the first token")
	fs.Float64Var(&c.SimTPS, "sim-tps", 0, "sim model: tokens per second, 0 for instant")
	fs.IntVar(&c.SimTokens, "sim-tokens", 0, "sim model: minimum reply length in words")
	if err := flagenv.Defaults(fs, "AGENTD_"); err != nil {
		return nil, err
	}
	if err := fs.Parse(args); err != nil {
		return nil, errUsage
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	c.OpenAIKey = os.Getenv("OPENAI_API_KEY")
	c.AnthropicKey = os.Getenv("ANTHROPIC_API_KEY")
	if c.AdminAddr == "" {
		c.AdminAddr = c.PprofAddr
	}
	if c.ModelConcurrency == 0 {
		c.ModelConcurrency = c.MaxRuns // a lower cap would make admitted runs wait silently
	}
	return c, c.validate()
}

func (c *serveConfig) validate() error {
	switch {
	case !strings.Contains(c.Addr, ":"):
		return fmt.Errorf("serve: --addr %q: want host:port", c.Addr)
	case c.RunTimeout <= 0:
		return errors.New("serve: --run-timeout must be positive")
	case c.LeaseTTL < time.Second:
		return errors.New("serve: --lease-ttl must be at least 1s")
	case c.MaxThreads < 0:
		return errors.New("serve: --max-threads-per-user must be at least 0")
	case c.TokensPerDay < 0:
		return errors.New("serve: --user-tokens-per-day must be at least 0")
	case c.MaxBody < 1024:
		return errors.New("serve: --max-body must be at least 1024")
	case c.Heartbeat <= 0:
		return errors.New("serve: --heartbeat must be positive")
	case c.MaxIDBytes < 16:
		return errors.New("serve: --max-id-bytes must be at least 16 (a UUID is 36)")
	case c.MaxMessages < 1 || c.MaxTools < 0 || c.MaxThreadMessages < 1:
		return errors.New("serve: --max-messages and --max-thread-messages must be at least 1, --max-tools at least 0")
	case c.MaxMessageBytes < 1024 || c.MaxStateBytes < 1024 || c.MaxThreadBytes < 1024:
		return errors.New("serve: --max-message-bytes, --max-state-bytes and --max-thread-bytes must be at least 1024")
	case c.BodyTimeout <= 0:
		return errors.New("serve: --body-timeout must be positive")
	case c.MaxRejoinsPerRun < 1 || c.MaxRejoinsPerUser < 1:
		return errors.New("serve: --max-rejoins-per-run and --max-rejoins-per-user must be at least 1")
	case c.FirstToken <= 0 || c.Idle <= 0:
		return errors.New("serve: --first-token-timeout and --idle-timeout must be positive")
	case c.ModelAttempts < 1 || c.ModelConcurrency < 0:
		return errors.New("serve: --model-attempts must be at least 1 and --model-concurrency at least 0")
	case c.MaxRuns < 1:
		return errors.New("serve: --max-runs must be at least 1")
	case c.QueueWait < 0 || c.QueueWait > time.Minute:
		return errors.New("serve: --queue-wait must be between 0 and 1m")
	case c.Rate < 0 || (c.Rate > 0 && c.RateBurst < 1):
		return errors.New("serve: --rate must be >= 0 and --rate-burst >= 1")
	case c.DoubleSend != "reject" && c.DoubleSend != "interrupt":
		return fmt.Errorf("serve: --double-send %q: want reject or interrupt", c.DoubleSend)
	case c.LogFormat != "" && c.LogFormat != "json" && c.LogFormat != "text":
		return fmt.Errorf("serve: --log-format %q: want json or text", c.LogFormat)
	case c.PprofAddr != "" && c.PprofAddr != c.AdminAddr:
		return errors.New("serve: --pprof-addr is the old name of --admin-addr: set only --admin-addr")
	case c.InsecureNoAuth && c.authConfigured():
		return errors.New("serve: --insecure-no-auth contradicts --api-keys/--jwt-secret/--jwks-url; drop one")
	case !c.authConfigured() && !c.InsecureNoAuth && !loopbackAddr(c.Addr):
		return fmt.Errorf("serve: --addr %s is reachable from other hosts but no authentication is configured: "+
			"set --api-keys, --jwt-secret or --jwks-url (or AGENTD_API_KEYS, …), or pass --insecure-no-auth to accept every caller", c.Addr)
	}
	if err := httpapi.CheckOrigins(list(c.CORSOrigins)); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// list splits a comma-separated flag value, dropping empty entries.
func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (c *serveConfig) authConfigured() bool {
	return c.APIKeys != "" || c.JWTSecret != "" || c.JWKSURL != ""
}

// loopbackAddr reports whether a listen address is reachable only from
// this host: "localhost" or a loopback IP. An empty host, an unspecified
// address or any other name listens where others can reach it.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
