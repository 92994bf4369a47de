package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/agentd/agentd/httpapi"
	"github.com/prometheus/client_golang/prometheus"
)

// adminServer serves /metrics and the profiler on --admin-addr, never on
// the API port, so they are exposed only where the operator points them.
type adminServer struct {
	srv  *http.Server
	done chan struct{} // closed when Serve has returned
	once sync.Once
}

// startAdmin listens on addr and serves until stop; addr "" serves nothing.
func startAdmin(addr string, g prometheus.Gatherer, allowedHosts []string, log *slog.Logger) (*adminServer, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("serve: --admin-addr: %w", err)
	}
	a := &adminServer{done: make(chan struct{}), srv: &http.Server{Handler: httpapi.Admin(g, allowedHosts),
		ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}}
	go func() {
		defer close(a.done)
		if err := a.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Warn("admin server stopped", "err", err)
		}
	}()
	log.Info("admin listening", "addr", ln.Addr().String())
	return a, nil
}

// stop lets requests in flight (a CPU profile takes its seconds) end
// within 5s, cuts the rest, and waits for the server's goroutine.
func (a *adminServer) stop() {
	if a == nil {
		return
	}
	a.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.srv.Shutdown(ctx); err != nil {
			_ = a.srv.Close()
		}
		<-a.done
	})
}
