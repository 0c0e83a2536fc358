package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"golang.org/x/sync/semaphore"
)

// maxRequestSize bounds a request body, as controller-runtime's webhooks
// do: the API server's own limit on an object is 3 MiB, so 7 MiB leaves
// room for the envelope and an old object.
const maxRequestSize = 7 << 20

// Bounds on the memory that request bodies hold. A body's buffer grows with
// the bytes that arrive, never with the Content-Length a client declares.
// Its first freeBodyBytes are its own; every byte beyond them is reserved
// from one budget of bodyBudgetBytes shared by all requests in flight, and
// held until the request has been answered, since injection works on the
// body in place. The pods the API server sends are a few KiB to a few tens
// of KiB, so they never wait for the budget; large bodies, rare in any
// cluster and the tool of an attacker who sends a promise and then trickles,
// wait for one another, each for at most its request's deadline.
const (
	freeBodyBytes   = 128 << 10
	bodyBudgetBytes = 16 << 20
)

// Errors of bodies the handler will not read.
var (
	errBodyTooLarge = fmt.Errorf("request is larger than %d bytes", maxRequestSize)
	errBodyBudget   = fmt.Errorf("the webhook is busy: request bodies in flight hold more than %d bytes; retry", bodyBudgetBytes)
)

// bodyBudget is the budget of bytes of large bodies; it is FIFO, so a large
// body that waits is not starved by later ones.
var bodyBudget = semaphore.NewWeighted(bodyBudgetBytes)

// reservation is what one request holds of bodyBudget.
type reservation struct {
	budget *semaphore.Weighted
	held   int64
}

// grow reserves what a buffer of size bytes needs beyond freeBodyBytes,
// waiting for at most ctx's deadline.
func (r *reservation) grow(ctx context.Context, size int) error {
	need := int64(size) - freeBodyBytes - r.held
	if need <= 0 {
		return nil
	}
	if err := r.budget.Acquire(ctx, need); err != nil {
		return fmt.Errorf("%w (%w)", errBodyBudget, err)
	}
	r.held += need
	return nil
}

// release returns every byte reserved.
func (r *reservation) release() {
	if r.held > 0 {
		r.budget.Release(r.held)
		r.held = 0
	}
}

// readBody reads at most maxRequestSize bytes of body into buf, growing buf
// as bytes arrive and reserving what it grows beyond freeBodyBytes. declared
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
