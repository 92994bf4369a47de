package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/agentd/agentd/internal/tcpproxy"
)

// chaosproxyCommand runs `agentd chaosproxy`, a bench tool left out of the
// usage: a TCP proxy from --listen to --target that a script cuts and
// restores with POST /cut and POST /restore on --control (GET / tells the
// state). Both listeners must be on loopback; it stops when ctx ends.
func chaosproxyCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chaosproxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "address to accept connections on")
	target := fs.String("target", "", "address to forward them to, e.g. 127.0.0.1:5432")
	control := fs.String("control", "127.0.0.1:0", "address of the control API (POST /cut, POST /restore, GET /)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *target == "" || fs.NArg() > 0 {
		return errors.New("chaosproxy: --target is required, and nothing else")
	}
	for _, a := range []string{*listen, *control} {
		if host, _, err := net.SplitHostPort(a); err != nil || !net.ParseIP(host).IsLoopback() {
			return fmt.Errorf("chaosproxy: %q is not a loopback host:port", a)
		}
	}
	p, err := tcpproxy.Listen(*listen, *target)
	if err != nil {
		return fmt.Errorf("chaosproxy: %w", err)
	}
	defer p.Close()
	ln, err := net.Listen("tcp", *control)
	if err != nil {
		return fmt.Errorf("chaosproxy: %w", err)
	}
	srv := &http.Server{Handler: proxyControl(p), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "chaosproxy listening on %s to %s, control on http://%s\n", p.Addr(), *target, ln.Addr())
	stop := context.AfterFunc(ctx, func() { srv.Close() })
	defer stop()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("chaosproxy: %w", err)
	}
	return nil
}

// proxyControl is the control API; each answer is the proxy's state.
func proxyControl(p *tcpproxy.Proxy) http.Handler {
	state := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"listen": p.Addr(), "target": p.Target(), "cut": p.Cutting()})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { state(w) })
	mux.HandleFunc("POST /cut", func(w http.ResponseWriter, r *http.Request) { p.Cut(); state(w) })
	mux.HandleFunc("POST /restore", func(w http.ResponseWriter, r *http.Request) { p.Restore(); state(w) })
	return mux
}
