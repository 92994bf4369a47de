// Package loadgen is a load generator for any AG-UI server. Virtual users
// ramp up, hold conversations of several turns with think time between
// them, and send each turn as the official HttpAgent does: one POST of a
// RunAgentInput read back as an SSE stream. Every event goes through
// agui.Verifier, every turn is classified (ok, HTTP rejections, timeout,
// stream error, protocol error, RUN_ERROR by code), and latencies go into
// HDR histograms, overall and per interval. A run is bounded in time and in
// turns and stops by itself; it writes JSON results and a self-contained
// HTML report with inline SVG charts.
//
// Use Run from Go, or Command for the `agentd loadtest` subcommand. Only
// the URLs in the configuration are ever contacted; redirects are not
// followed.
package loadgen
