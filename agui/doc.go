// Package agui holds the AG-UI wire types (RunAgentInput, messages, events),
// their validation, SSE framing, and a Verifier that applies the ordering
// rules the official client enforces. It depends only on the standard library.
package agui
