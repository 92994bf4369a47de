package fakellm

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/agentd/agentd/internal/flagenv"
)

// Command runs `agentd fakellm`: it serves the simulator on --addr until
// ctx ends. Every flag can also be set through the environment as
// FAKELLM_<FLAG> (upper case, dashes as underscores); flags win.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("fakellm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "listen address (port 0 picks a free port)")
	fs.DurationVar(&cfg.TTFT, "ttft", cfg.TTFT, "time to first token")
	fs.Float64Var(&cfg.TokensPerSec, "tps", cfg.TokensPerSec, "tokens per second (0: unpaced)")
	fs.IntVar(&cfg.ReplyTokens, "tokens", cfg.ReplyTokens, "reply length in tokens")
	fs.Float64Var(&cfg.Jitter, "jitter", cfg.Jitter, "delay jitter as a fraction in [0,1]")
	fs.Float64Var(&cfg.ReplyJitter, "tokens-jitter", cfg.ReplyJitter, "per-request reply length spread as a fraction in [0,1]: lengths are uniform in tokens×[1-j, 1+j]")
	tools := fs.String("tools", string(cfg.Tools), "when to call a tool: cue (last user message names it), always, never")
	fs.IntVar(&cfg.ArgChunks, "arg-chunks", defaultArgChunks, "chunks a tool call's arguments are split over")
	fs.DurationVar(&cfg.RetryAfter, "retry-after", defaultRetryAfter, "Retry-After sent with a simulated 429")
	fs.Float64Var(&cfg.Faults.RateLimit, "rate-429", 0, "fraction of requests answered 429")
	fs.Float64Var(&cfg.Faults.ServerError, "rate-500", 0, "fraction of requests answered 500")
	fs.Float64Var(&cfg.Faults.Hang, "rate-hang", 0, "fraction of requests that hang before the first token")
	fs.Float64Var(&cfg.Faults.Cut, "rate-cut", 0, "fraction of streams cut mid-way")
	fs.Float64Var(&cfg.Faults.BadToolJSON, "rate-bad-tool-json", 0, "fraction of requests (with tools) that get a tool call with invalid JSON arguments")
	fs.Int64Var(&cfg.Seed, "seed", 1, "seed for every random decision")
	models := fs.String("models", "fakellm", "comma-separated model ids listed by /v1/models")
	if err := flagenv.Defaults(fs, "FAKELLM_"); err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.Tools = ToolMode(*tools)
	cfg.Models = strings.Split(*models, ",")
	if err := cfg.Validate(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("fakellm: listen: %w", err)
	}
	fmt.Fprintf(stdout, "fakellm listening on http://%s\n", ln.Addr())
	return serve(ctx, ln, New(cfg))
}

// serve runs h on ln until ctx ends. Cancelling the requests' base context
// first ends every hang and stream, so shutdown never waits on them.
func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("fakellm: serve: %w", err)
	case <-ctx.Done():
	}
	cancel()
	stop, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	if err := srv.Shutdown(stop); err != nil {
		return fmt.Errorf("fakellm: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("fakellm: serve: %w", err)
	}
	return nil
}
