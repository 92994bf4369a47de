// Package webui is agentd's embedded chat page: one self-contained HTML
// document (markup, CSS and vanilla JavaScript compiled into the binary, no
// build step and nothing fetched from elsewhere) that speaks AG-UI to the
// server it came from. It shows a person the whole behaviour: streamed
// replies, server and frontend tool calls, shared state, run errors, rejoining
// a run after a dropped connection, and durable threads.
package webui
