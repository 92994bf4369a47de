package loadgen

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/agentd/agentd/agui"
	"github.com/agentd/agentd/internal/flagenv"
)

// Command runs `agentd loadtest`: it drives load at the --url targets,
// prints a summary on stdout, shows live progress on stderr when that is a
// terminal, and writes --out (JSON) and --html (report) when asked. With
// --fail-on-silent it returns an error if any turn failed silently (a
// timeout, or a stream that ended without RUN_FINISHED or RUN_ERROR), so CI
// can gate on it; with --verify it returns an error if a thread lacks a
// turn a client saw finish. Flags fall back to LOADTEST_<FLAG> environment variables.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var urls, prompts, tools, headers listFlag
	fs.Var(&urls, "url", "AG-UI endpoint to POST runs to (repeat or comma-separate for round robin)")
	fs.IntVar(&cfg.Users, "users", cfg.Users, "virtual users")
	fs.DurationVar(&cfg.RampUp, "ramp-up", cfg.RampUp, "time over which users start")
	fs.IntVar(&cfg.Turns, "turns", cfg.Turns, "turns per user")
	fs.DurationVar(&cfg.ThinkTime, "think", cfg.ThinkTime, "think time between a user's turns")
	fs.Float64Var(&cfg.ThinkJitter, "think-jitter", cfg.ThinkJitter, "think time jitter as a fraction in [0,1]")
	history := fs.String("history", string(cfg.History), "what each turn sends: full (whole conversation) or new (unacknowledged messages only)")
	fs.DurationVar(&cfg.TurnTimeout, "turn-timeout", cfg.TurnTimeout, "a turn taking longer counts as a timeout")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "no turn starts after this; the run ends by duration + turn-timeout")
	fs.IntVar(&cfg.MaxTurns, "max-turns", 0, "cap on turns over all users (0: users × turns)")
	fs.Var(&prompts, "prompt", "user message text (repeat to cycle through several)")
	fs.Var(&tools, "tool", "name of a client tool to declare; its calls are answered on the next turn (repeatable)")
	fs.Var(&headers, "header", `extra request header "Name: value" (repeatable)`)
	fs.DurationVar(&cfg.Interval, "interval", cfg.Interval, "time series resolution")
	fs.IntVar(&cfg.PID, "pid", 0, "server process id to sample RSS and CPU from /proc")
	fs.Int64Var(&cfg.Seed, "seed", 1, "seed for think-time jitter")
	fs.IntVar(&cfg.Retry, "retry", 0, "send a run refused with 429/503 (or whose connection failed) again, to the next --url after Retry-After, up to this many times")
	fs.IntVar(&cfg.Rejoin, "rejoin", 0, "rejoin a dropped stream on the next --url with Last-Event-ID, up to this many times per turn")
	fs.BoolVar(&cfg.Verify, "verify", false, "after the run, read every thread back and fail if it lacks a turn a client saw finish")
	out := fs.String("out", "", "write JSON results to this file")
	htmlOut := fs.String("html", "", "write the HTML report to this file")
	failOnSilent := fs.Bool("fail-on-silent", false, "fail if any turn neither finished nor got an explicit error")
	if err := flagenv.Defaults(fs, "LOADTEST_"); err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("loadtest: unexpected arguments %q", fs.Args())
	}
	cfg.URLs, cfg.Prompts, cfg.History = urls.split(), prompts, HistoryMode(*history)
	for _, name := range tools.split() {
		cfg.Tools = append(cfg.Tools, agui.Tool{Name: name, Description: "client tool simulated by the load generator",
			Parameters: json.RawMessage(`{"type":"object","properties":{}}`)})
	}
	cfg.Header = http.Header{}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return fmt.Errorf("loadtest: header %q is not \"Name: value\"", h)
		}
		cfg.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	if IsTerminal(stderr) {
		cfg.Progress = stderr
	}
	res, err := Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, res.Summary())
	if err := writeFile(*out, res.WriteJSON); err != nil {
		return err
	}
	if err := writeFile(*htmlOut, func(w io.Writer) error { return WriteHTML(w, res) }); err != nil {
		return err
	}
	if *failOnSilent && res.Silent > 0 {
		return fmt.Errorf("loadtest: %d silent failures (turns that neither finished nor got an explicit error)", res.Silent)
	}
	if v := res.Verify; v != nil && (v.Lost > 0 || v.Unreadable > 0) {
		return fmt.Errorf("loadtest: %d finished turns lost, %d threads unreadable", v.Lost, v.Unreadable)
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("loadtest: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("loadtest: writing %s: %w", path, err)
	}
	return nil
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// split also accepts comma-separated values.
func (l listFlag) split() []string {
	var out []string
	for _, v := range l {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
