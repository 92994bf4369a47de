package agui

import "unicode/utf8"

// DeltaOnly reports whether e is a per-token event with nothing set but
// its type, its id and a delta: TEXT_MESSAGE_CONTENT with MessageID, or
// TOOL_CALL_ARGS with ToolCallID. Such an event is most of a run's log, and
// AppendDeltaEvent writes it from the id and delta alone.
func (e *Event) DeltaOnly() (id string, ok bool) {
	switch e.Type {
	case TextMessageContent:
		id = e.MessageID
		ok = e.ToolCallID == ""
	case ToolCallArgs:
		id = e.ToolCallID
		ok = e.MessageID == ""
	}
	// Every other field that json.Marshal could write must be empty (Patch
	// is written only for STATE_DELTA). A test sets each field in turn.
	ok = ok && id != "" && e.Delta != "" &&
		e.Timestamp == 0 && e.ThreadID == "" && e.RunID == "" && e.ParentRunID == "" && e.Role == "" &&
		e.ToolCallName == "" && e.ParentMessageID == "" && e.Content == "" && e.StepName == "" &&
		len(e.Snapshot) == 0 && len(e.Messages) == 0 && e.Name == "" && len(e.Value) == 0 &&
		e.Message == "" && e.Code == "" && len(e.Result) == 0 && e.Outcome == nil
	if !ok {
		return "", false
	}
	return id, true
}

// AppendDeltaEvent appends the JSON of an event for which DeltaOnly holds,
// of type t (TEXT_MESSAGE_CONTENT or TOOL_CALL_ARGS), byte for byte as
// json.Marshal writes it, without reflection.
func AppendDeltaEvent[S string | []byte](dst []byte, t EventType, id string, delta S) []byte {
	dst = append(dst, `{"type":`...)
	dst = AppendString(dst, string(t))
	// Fields in the order of Event's declaration: messageId, delta, toolCallId.
	if t == ToolCallArgs {
		dst = append(dst, `,"delta":`...)
		dst = AppendString(dst, delta)
		dst = append(dst, `,"toolCallId":`...)
		dst = AppendString(dst, id)
	} else {
		dst = append(dst, `,"messageId":`...)
		dst = AppendString(dst, id)
		dst = append(dst, `,"delta":`...)
		dst = AppendString(dst, delta)
	}
	return append(dst, '}')
}

// AppendString appends s as a JSON string, byte for byte as json.Marshal
// writes one: quoted; `"` and `\` backslash-escaped; \b \f \n \r \t as
// such and the other control characters as \u00XX; <, > and & as \u003c,
// \u003e and \u0026; U+2028 and U+2029 as \u2028 and \u2029; and each byte
// of invalid UTF-8 as \ufffd.
func AppendString[S string | []byte](dst []byte, s S) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	done := 0 // s[:done] is in dst
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[done:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			done = i
			continue
		}
		// At most 4 bytes converted: no allocation when S is []byte.
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		var esc string
		switch {
		case r == utf8.RuneError && size == 1:
			esc = `\ufffd`
		case r == '\u2028':
			esc = `\u2028`
		case r == '\u2029':
			esc = `\u2029`
		}
		if esc != "" {
			dst = append(dst, s[done:i]...)
			dst = append(dst, esc...)
			done = i + size
		}
		i += size
	}
	dst = append(dst, s[done:]...)
	return append(dst, '"')
}
