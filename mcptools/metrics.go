package mcptools

import (
	"bytes"
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics count MCP tool calls by outcome and tell which servers are up.
type Metrics struct {
	calls *prometheus.CounterVec
	up    *prometheus.GaugeVec
}

// NewMetrics registers the metrics with reg (nil: nowhere).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "agentd_mcp_tool_calls_total",
			Help: "MCP tool calls by outcome: ok, tool_error (isError), transport_error, timeout, unavailable."},
			[]string{"agent", "server", "outcome"}),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "agentd_mcp_server_up",
			Help: "1 while agentd is connected to the MCP server and offers its tools."}, []string{"agent", "server"}),
	}
	if reg != nil {
		reg.MustRegister(m.calls, m.up)
	}
	return m
}

// lineLog writes a child process's stderr to the log, a record a line.
type lineLog struct {
	log *slog.Logger
	mu  sync.Mutex
	buf []byte
}

// maxLine flushes a line that never ends.
const maxLine = 8 << 10

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 && len(l.buf) < maxLine {
			return len(p), nil
		}
		if i < 0 {
			i = len(l.buf)
		}
		l.log.Info("mcp server stderr", "line", string(bytes.TrimRight(l.buf[:i], "\r")))
		l.buf = l.buf[min(i+1, len(l.buf)):]
	}
}
