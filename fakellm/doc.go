// Package fakellm is an OpenAI-compatible upstream simulator for load and
// fault tests. It serves /v1/chat/completions (streaming and not) and
// /v1/models with a configurable time to first token, token rate, reply
// length (with a per-request spread) and jitter; it calls the request's tools on cue and injects faults
// at configured rates (429 with Retry-After, 500, a hang before the first
// token, a stream cut mid-way, invalid tool-call JSON). Every decision is
// drawn from a seeded generator keyed by the request's sequence number, so a
// run with a fixed seed makes the same decisions in the same proportions.
// Usage counts words as tokens; its cached_tokens are those of the longest
// prefix of messages an earlier request also began with (see prefixCache).
//
// Use New for an http.Handler in tests, or Command for the `agentd fakellm`
// subcommand.
package fakellm
