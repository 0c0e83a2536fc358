package webhook

import (
	"errors"
	"fmt"

	"golang.org/x/sync/semaphore"
)

// Bounds on the memory that requests in flight hold. A request holds its
// body, as it arrives (never the Content-Length a client declares), and
// what decoding and injecting its pod take, reserved as decoding counts it
// (see decoding.reserve). Its first freeRequestBytes are its own; every
// byte beyond them is reserved from one budget of requestBudgetBytes shared
// by all requests in flight, and held until the request has been answered.
// The pods the API server sends (a few KiB to a few tens of KiB, a few
// hundred values) never touch the budget; large requests, rare in any
// cluster and the tool of an attacker who sends a promise and then
// trickles, wait for one another, each for at most its deadline. The
// budget fits the largest body the other limits allow (7 MiB) twice.
//
// What decoding takes comes from a budget of its own, decodeBudgetBytes,
// with again freeRequestBytes free per request: a request holds its body
// while it waits for room to decode, and a request still reading its body
// never holds any of the decoding budget, so the two never wait for each
// other. It fits five pods at the decoding bound (three times
// MaxDecodedBytes each) at once.
const (
	freeRequestBytes   = 128 << 10
	requestBudgetBytes = 16 << 20
	decodeBudgetBytes  = 16 << 20
)

// errBusy is the error of a request that found no room in the budget
// before its deadline.
var errBusy = errors.New("the webhook is busy: large requests in flight hold the memory they may; retry")

// requestBudget is the budget of large requests. It is FIFO, so a request
// that waits is not starved by later ones.
var requestBudget = semaphore.NewWeighted(requestBudgetBytes)

// decodeBudget is the budget of what decoding large pods takes.
var decodeBudget = semaphore.NewWeighted(decodeBudgetBytes)

// reservation is what one request holds of a budget.
type reservation struct {
	budget *semaphore.Weighted
	held   int64
}

// grow reserves what a request that holds size bytes needs beyond
// freeRequestBytes and what it reserved before, waiting for at most the
// request's deadline.
func (r *reservation) grow(dl deadline, size int) error {
	need := int64(size) - freeRequestBytes - r.held
	if need <= 0 {
		return nil
	}
	if !r.budget.TryAcquire(need) {
		ctx, cancel := dl.context()
		defer cancel()
		if err := r.budget.Acquire(ctx, need); err != nil {
			return fmt.Errorf("%w (%w)", errBusy, err)
		}
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
