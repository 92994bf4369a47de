// Package mcptools is a tool source backed by MCP servers: it connects to
// each server with the official MCP Go SDK, offers the server's tools as
// agent.Tools, and keeps the connection up. A stdio server is a child
// process restarted with backoff when it dies; an HTTP server is reached
// over one pooled HTTP client. While a server is down its tools are
// withheld and its Health says why.
package mcptools
