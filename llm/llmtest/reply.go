// Package llmtest runs local HTTP servers that speak the streaming wire
// formats of the OpenAI Chat Completions and Anthropic Messages APIs, so
// provider adapters can be tested over real HTTP on 127.0.0.1. A test scripts
// each response as a Reply (text, tool calls split across chunks, usage, an
// HTTP error, a stream cut mid-way, a hang) and afterwards reads the request
// bodies the server received. testdata/ holds recorded-style streams that
// can be replayed verbatim with Fixture. RunContract and the Target checks
// are what every provider must pass against its server.
package llmtest

import (
	"github.com/agentd/agentd/llm"
)

// End says how a scripted stream ends after its chunks.
type End int

const (
	// Finish ends the stream properly: a finish/stop reason, usage, and the
	// provider's end marker.
	Finish End = iota
	// EOF ends the response cleanly but without a finish reason or end
	// marker, as a server that gave up would.
	EOF
	// Cut closes the TCP connection abruptly in the middle of the chunked
	// body.
	Cut
	// Hang stops sending and keeps the connection open until the client
	// goes away. With no chunks, not even the response headers are sent.
	Hang
	// StreamError sends the provider's in-stream error event (ErrorType,
	// Message) and ends the response.
	StreamError
)

// Reply scripts one response of a test server.
type Reply struct {
	// Status, when not 0 or 200, makes the reply an HTTP error with the
	// provider's JSON error body built from ErrorType and Message.
	Status     int
	RetryAfter string // Retry-After header value, sent with any status
	ErrorType  string // provider error type, e.g. "rate_limit_error"
	Message    string // provider error message

	Chunks []Chunk           // streamed in order, one SSE event each
	Usage  *llm.Usage        // token counts reported at the end of the stream
	Stop   string            // finish reason; empty picks the natural one
	End    End               // how the stream ends
	Raw    []byte            // sent verbatim: the SSE body, or a plain-text error body
	Header map[string]string // extra response headers
}

// Chunk is one streamed piece: text or a piece of a tool call.
type Chunk struct {
	Text string
	Tool *ToolChunk
}

// ToolChunk is a piece of a tool call. Index is the wire index of the call
// (OpenAI's tool_calls[].index); in the Anthropic format every change of
// Index starts a new tool_use block. ID and Name belong on the first piece.
type ToolChunk struct {
	Index    int
	ID, Name string
	Args     string
}

// Text returns one text chunk per part.
func Text(parts ...string) []Chunk {
	out := make([]Chunk, len(parts))
	for i, p := range parts {
		out[i] = Chunk{Text: p}
	}
	return out
}

// ToolCall returns the chunks of one tool call as providers stream it: a
// first chunk with the ID and Name and no arguments, then one chunk per
// argument fragment.
func ToolCall(index int, id, name string, args ...string) []Chunk {
	out := []Chunk{{Tool: &ToolChunk{Index: index, ID: id, Name: name}}}
	for _, a := range args {
		out = append(out, Chunk{Tool: &ToolChunk{Index: index, Args: a}})
	}
	return out
}

// Chunks concatenates chunk lists, for a reply with several parts.
func Chunks(lists ...[]Chunk) []Chunk {
	var out []Chunk
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// hasTools reports whether any chunk is a tool call piece.
func (r *Reply) hasTools() bool {
	for _, c := range r.Chunks {
		if c.Tool != nil {
			return true
		}
	}
	return false
}
