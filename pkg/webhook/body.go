package webhook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// maxRequestSize bounds a request body, as controller-runtime's webhooks
// do: the API server's own limit on an object is 3 MiB, so 7 MiB leaves
// room for the envelope and an old object.
const maxRequestSize = 7 << 20

// errBodyTooLarge is the error of a body over maxRequestSize.
var errBodyTooLarge = fmt.Errorf("request is larger than %d bytes", maxRequestSize)

// readBody reads at most maxRequestSize bytes of body into buf, growing buf
// as bytes arrive and reserving it (see reservation). declared
// is the Content-Length the client announced, or -1: it only caps growth,
// so that a body that is what it announced is read into a buffer of its
// size; it is never allocated ahead of the bytes. How long a slow body may
// take is bounded by the server's read timeout and the deadline.
func readBody(dl deadline, body io.Reader, declared int64, buf *bytes.Buffer, res *reservation) error {
	for {
		if buf.Available() == 0 {
			size := nextSize(buf.Cap(), declared, buf.Len())
			if buf.Len() >= size {
				return errBodyTooLarge
			}
			if err := res.grow(dl, size); err != nil {
				return err
			}
			// Not buf.Grow, which at least doubles.
			grown := make([]byte, buf.Len(), size)
			copy(grown, buf.Bytes())
			*buf = *bytes.NewBuffer(grown)
		}
		p := buf.AvailableBuffer()
		n, err := body.Read(p[:min(cap(p), maxRequestSize+1-buf.Len())])
		buf.Write(p[:n])
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return fmt.Errorf("reading the request: %w", err)
		case buf.Len() > maxRequestSize:
			return errBodyTooLarge
		}
	}
}

// nextSize is the capacity a full body buffer of capacity c grows to: twice
// c, never past maxRequestSize+1 nor, when the client declared a length
// that the body has not passed yet, past that length+1. A body that is what
// it declared is read into a buffer of its size after about as many bytes
// again in smaller buffers; one that lies holds at most twice what it sent.
func nextSize(c int, declared int64, read int) int {
	size := min(max(2*c, 16<<10), maxRequestSize+1)
	if declared >= 0 && declared < int64(size) && int(declared) >= read {
		size = int(declared) + 1 // room to see the end of the body
	}
	return size
}
