package mcptools

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Config is one MCP server: Command (stdio) or URL (streamable HTTP).
type Config struct {
	Agent   string // the agent it serves, for logs and metrics
	Name    string
	Command []string
	Env     map[string]string // added to agentd's environment
	Dir     string            // the command's working directory
	URL     string
	Headers map[string]string
	// Timeout bounds one tool call (0: the agent package's default).
	Timeout time.Duration
	// KeepAlive is the gap between pings that find a server which stopped
	// answering, two pings missed in a row (0: 15s).
	KeepAlive time.Duration
}

// Backoff bounds the wait between reconnects of a server that is down.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 30 * time.Second
	// connectTimeout bounds one connect and tool listing.
	connectTimeout   = 20 * time.Second
	defaultKeepAlive = 15 * time.Second
	// stable is how long a session must last for the backoff to start
	// over: a server that dies at once keeps backing off.
	stable = 10 * time.Second
)

// Server is a supervised connection to one MCP server.
type Server struct {
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	client  *mcp.Client
	http    *http.Client

	mu      sync.Mutex
	session *mcp.ClientSession
	tools   []*mcp.Tool
	down    error // why there is no session
	closed  bool

	stop func()
	done chan struct{}
}

// Start connects to the server once, so that its tools are offered from
// the first run when it is up, then keeps it connected until Close. A
// server that cannot be reached is not an error: it is down, and retried.
func Start(cfg Config, log *slog.Logger, m *Metrics) *Server {
	if cfg.KeepAlive <= 0 {
		cfg.KeepAlive = defaultKeepAlive
	}
	s := &Server{cfg: cfg, log: log.With("agent", cfg.Agent, "mcp_server", cfg.Name), metrics: m,
		down: errors.New("not connected yet"), done: make(chan struct{})}
	if cfg.URL != "" {
		s.http = &http.Client{Transport: headers{cfg.Headers, http.DefaultTransport.(*http.Transport).Clone()}}
	}
	s.client = mcp.NewClient(&mcp.Implementation{Name: "agentd"}, &mcp.ClientOptions{KeepAlive: cfg.KeepAlive, KeepAliveFailureThreshold: 2,
		ToolListChangedHandler: func(_ context.Context, req *mcp.ToolListChangedRequest) {
			go s.relist(req.Session)
		}})
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	first := s.connect(ctx)
	go s.supervise(ctx, first)
	return s
}

// supervise waits for the session to end and reconnects, backing off
// while connecting fails.
func (s *Server) supervise(ctx context.Context, sess *mcp.ClientSession) {
	defer close(s.done)
	backoff := minBackoff
	for {
		if sess != nil {
			began := time.Now()
			err := sess.Wait()
			_ = sess.Close()
			if s.isClosed() {
				return
			}
			if err == nil {
				err = errors.New("the server closed the connection")
			}
			s.setDown(sess, err)
			s.log.Warn("mcp server down; reconnecting", "err", err)
			if time.Since(began) > stable {
				backoff = minBackoff // not one that dies at start
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
		sess = s.connect(ctx)
	}
}

// connect opens a session and lists its tools; nil when that failed.
func (s *Server) connect(ctx context.Context) *mcp.ClientSession {
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	sess, err := s.client.Connect(cctx, s.transport(ctx), nil)
	if err == nil {
		var tools []*mcp.Tool
		if tools, err = listTools(cctx, sess); err == nil {
			s.mu.Lock()
			s.session, s.tools, s.down = sess, tools, nil
			s.mu.Unlock()
			s.metrics.up.WithLabelValues(s.cfg.Agent, s.cfg.Name).Set(1)
			s.log.Info("mcp server connected", "tools", len(tools))
			return sess
		}
		_ = sess.Close()
	}
	if ctx.Err() == nil {
		err = fmt.Errorf("connect: %w", err)
		s.setDown(nil, err)
		s.log.Warn("mcp server unavailable", "err", err)
	}
	return nil
}

// transport is a fresh stdio process or the pooled HTTP client. The
// process lives as long as ctx, the server's, not a connect attempt's.
func (s *Server) transport(ctx context.Context) mcp.Transport {
	if s.cfg.URL != "" {
		return &mcp.StreamableClientTransport{Endpoint: s.cfg.URL, HTTPClient: s.http}
	}
	cmd := exec.CommandContext(ctx, s.cfg.Command[0], s.cfg.Command[1:]...)
	cmd.Dir = s.cfg.Dir
	cmd.Env = os.Environ()
	for k, v := range s.cfg.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stderr = &lineLog{log: s.log}
	return &mcp.CommandTransport{Command: cmd, TerminateDuration: 2 * time.Second}
}

func listTools(ctx context.Context, sess *mcp.ClientSession) ([]*mcp.Tool, error) {
	var out []*mcp.Tool
	for t, err := range sess.Tools(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("list tools: %w", err)
		}
		out = append(out, t)
	}
	return out, nil
}

// relist refreshes the tools after the server said they changed.
func (s *Server) relist(sess *mcp.ClientSession) {
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	tools, err := listTools(ctx, sess)
	if err != nil {
		s.log.Warn("mcp server: relisting its tools failed", "err", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.session == sess {
		s.tools = tools
		s.log.Info("mcp server tools changed", "tools", len(tools))
	}
}

// setDown records that sess (nil: any) ended.
func (s *Server) setDown(sess *mcp.ClientSession, err error) {
	s.mu.Lock()
	if sess == nil || s.session == sess {
		s.session, s.tools, s.down = nil, nil, err
	}
	s.mu.Unlock()
	s.metrics.up.WithLabelValues(s.cfg.Agent, s.cfg.Name).Set(0)
}

// Health is nil while the server is connected.
func (s *Server) Health() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down != nil {
		return fmt.Errorf("MCP server %s is down: %w", s.cfg.Name, s.down)
	}
	return nil
}

// Close ends the session (a stdio server's process with it) and the
// supervision.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	sess := s.session
	s.mu.Unlock()
	if sess != nil {
		_ = sess.Close() // a stdio server gets its stdin closed, then SIGTERM
	}
	s.stop()
	<-s.done
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Server) current() (*mcp.ClientSession, []*mcp.Tool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.session, s.tools
}

// headers adds the configured headers to every request.
type headers struct {
	h    map[string]string
	base http.RoundTripper
}

func (t headers) RoundTrip(r *http.Request) (*http.Response, error) {
	if len(t.h) > 0 {
		r = r.Clone(r.Context())
		for k, v := range t.h {
			r.Header.Set(k, v)
		}
	}
	return t.base.RoundTrip(r)
}
