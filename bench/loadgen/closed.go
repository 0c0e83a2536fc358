package loadgen

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxRequests bounds the requests of one run when a loop sets no
// bound of its own.
const DefaultMaxRequests = 2_000_000

// Doer sends one request and reports whether it succeeded.
type Doer interface {
	Do(ctx context.Context) error
}

// DoerFunc adapts a function to Doer.
type DoerFunc func(ctx context.Context) error

// Do calls f.
func (f DoerFunc) Do(ctx context.Context) error { return f(ctx) }

// Closed is a closed loop: Concurrency workers each send a request as soon
// as their previous one completes.
type Closed struct {
	// Concurrency is the number of workers, at least 1.
	Concurrency int
	// Warmup runs the loop this long before the measured window; its
	// requests are not recorded.
	Warmup time.Duration
	// Duration is the measured window: no request starts after it ends.
	Duration time.Duration
	// MaxRequests ends the measured window early once this many requests
	// have started; 0 means DefaultMaxRequests.
	MaxRequests int
}

// Run runs the loop against d. It stops early, with ctx's error, when ctx
// is done.
func (c Closed) Run(ctx context.Context, d Doer) (Result, error) {
	if c.Concurrency < 1 || c.Duration <= 0 {
		return Result{}, errors.New("closed loop: concurrency and duration must be positive")
	}
	if c.Warmup > 0 {
		warm := Closed{Concurrency: c.Concurrency, Duration: c.Warmup, MaxRequests: c.MaxRequests}
		if _, err := warm.Run(ctx, d); err != nil {
			return Result{}, err
		}
	}
	limit := int64(c.MaxRequests)
	if limit <= 0 {
		limit = DefaultMaxRequests
	}
	var started atomic.Int64
	start := time.Now()
	deadline := start.Add(c.Duration)
	recs := make([]*recorder, c.Concurrency)
	var wg sync.WaitGroup
	for i := range recs {
		rec := &recorder{}
		recs[i] = rec
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) && started.Add(1) <= limit {
				t0 := time.Now()
				err := d.Do(ctx)
				end := time.Now()
				rec.add(end.Sub(t0), end, err)
			}
		})
	}
	wg.Wait()
	return collect(start, recs), ctx.Err()
}
