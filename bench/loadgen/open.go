package loadgen

import (
	"context"
	"errors"
	"sync"
	"time"
)

// DefaultMaxInFlight bounds the concurrent requests of an open loop that
// sets no bound of its own.
const DefaultMaxInFlight = 256

// Open is an open loop: requests are sent at a fixed rate whatever the
// server's latency. Request i is scheduled at start + i/Rate, and its
// latency runs from that scheduled time to its completion, so time spent
// waiting for a free slot, or for a late scheduler, counts.
type Open struct {
	// Rate is the number of requests per second.
	Rate float64
	// Warmup sends at Rate this long before the measured window; those
	// requests are not recorded.
	Warmup time.Duration
	// Duration is the measured window; it holds Rate*Duration requests.
	Duration time.Duration
	// MaxInFlight bounds concurrent requests; a request scheduled while
	// that many are in flight waits, and the wait is part of its latency.
	// 0 means DefaultMaxInFlight.
	MaxInFlight int
}

// Interval is the time between two scheduled requests.
func (o Open) Interval() time.Duration {
	return time.Duration(float64(time.Second) / o.Rate)
}

// Schedule returns when request i (from 0) is due, for a loop started at
// start.
func (o Open) Schedule(start time.Time, i int) time.Time {
	return start.Add(time.Duration(float64(i) * float64(time.Second) / o.Rate))
}

// Count returns the number of requests scheduled in d.
func (o Open) Count(d time.Duration) int {
	return int(o.Rate * d.Seconds())
}

// Run runs the loop against d. Result.Start is the scheduled time of the
// first measured request. It stops early, with ctx's error, when ctx is
// done.
func (o Open) Run(ctx context.Context, d Doer) (Result, error) {
	if o.Rate <= 0 || o.Duration <= 0 {
		return Result{}, errors.New("open loop: rate and duration must be positive")
	}
	slots := o.MaxInFlight
	if slots <= 0 {
		slots = DefaultMaxInFlight
	}
	warm, measured := o.Count(o.Warmup), o.Count(o.Duration)
	recs := make([]*recorder, measured)
	sem := make(chan struct{}, slots)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range warm + measured {
		due := o.Schedule(start, i)
		if wait := time.Until(due); wait > 0 {
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
			case <-timer.C:
			}
		}
		select {
		case <-ctx.Done():
		case sem <- struct{}{}:
		}
		if ctx.Err() != nil {
			break
		}
		var rec *recorder
		if i >= warm {
			rec = &recorder{}
			recs[i-warm] = rec
		}
		wg.Go(func() {
			defer func() { <-sem }()
			err := d.Do(ctx)
			end := time.Now()
			if rec != nil {
				rec.add(end.Sub(due), end, err)
			}
		})
	}
	wg.Wait()
	done := recs[:0:0]
	for _, r := range recs {
		if r != nil {
			done = append(done, r)
		}
	}
	return collect(o.Schedule(start, warm), done), ctx.Err()
}
