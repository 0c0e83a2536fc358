package webhook

import (
	"bytes"
	"context"
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
// take is bounded by the server's read timeout and ctx.
func readBody(ctx context.Context, body io.Reader, declared int64, buf *bytes.Buffer, res *reservation) error {
	for {
		if buf.Available() == 0 {
			size := min(max(2*buf.Cap(), 16<<10), maxRequestSize+1)
			if declared >= 0 && declared < int64(size) && int(declared) >= buf.Len() {
				size = int(declared) + 1 // room to see the end of the body
			}
			if buf.Len() >= size {
				return errBodyTooLarge
			}
			if err := res.grow(ctx, size); err != nil {
				return err
			}
			buf.Grow(size - buf.Len())
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
