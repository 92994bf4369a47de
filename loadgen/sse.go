package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// maxFrame is the largest unfinished frame the official client accepts.
const maxFrame = 10 << 20

// frameReader splits an SSE stream the way @ag-ui/client 1.0.0 does: a
// frame ends at an empty line (so CRLF framing runs frames together and
// fails, as it does in the browser), only data: lines count, one optional
// space after the colon is stripped, and several data: lines join with \n.
// Comments, event: and retry: lines are ignored; an id: line is kept as
// the frame's ID (the official client ignores it; a client that rejoins
// sends the last one as Last-Event-ID).
type frameReader struct {
	r    *bufio.Reader
	data []byte
	ID   string // the id: of the frame next returned last, "" if it had none
}

func newFrameReader(r io.Reader) *frameReader {
	return &frameReader{r: bufio.NewReaderSize(r, 32<<10)}
}

// next returns the next frame's data, io.EOF at a clean end of stream, or
// the read error. A last frame without a blank line after it still counts.
func (f *frameReader) next() ([]byte, error) {
	f.data, f.ID = f.data[:0], ""
	has := false
	for {
		line, err := f.readLine()
		if err != nil {
			if errors.Is(err, io.EOF) && has {
				return f.data, nil
			}
			return nil, err
		}
		if len(line) == 0 {
			if has {
				return f.data, nil
			}
			continue
		}
		if id, ok := bytes.CutPrefix(line, []byte("id:")); ok {
			f.ID = string(bytes.TrimPrefix(id, []byte(" ")))
			continue
		}
		v, ok := bytes.CutPrefix(line, []byte("data:"))
		if !ok {
			continue
		}
		v, _ = bytes.CutPrefix(v, []byte(" "))
		if has {
			f.data = append(f.data, '\n')
		}
		f.data = append(f.data, v...)
		has = true
		if len(f.data) > maxFrame {
			return nil, fmt.Errorf("SSE frame larger than %d bytes", maxFrame)
		}
	}
}

// readLine returns one line without its \n. A line cut by the end of the
// stream is returned with io.EOF only when it is empty.
func (f *frameReader) readLine() ([]byte, error) {
	var long []byte
	for {
		chunk, err := f.r.ReadSlice('\n')
		switch {
		case err == nil:
			if long != nil {
				return append(long, chunk[:len(chunk)-1]...), nil
			}
			return chunk[:len(chunk)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			long = append(long, chunk...)
			if len(long) > maxFrame {
				return nil, fmt.Errorf("SSE line larger than %d bytes", maxFrame)
			}
		case errors.Is(err, io.EOF):
			long = append(long, chunk...)
			if len(long) > 0 {
				return long, nil // the next call returns io.EOF
			}
			return nil, io.EOF
		default:
			return nil, err
		}
	}
}
