package loadgen

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestOpenSchedule(t *testing.T) {
	o := Open{Rate: 1000, Duration: time.Second}
	start := time.Unix(1000, 0)
	for _, i := range []int{0, 1, 10, 999} {
		if got, want := o.Schedule(start, i), start.Add(time.Duration(i)*time.Millisecond); !got.Equal(want) {
			t.Errorf("Schedule(%d) = %v, want %v", i, got, want)
		}
	}
	if got := o.Count(10 * time.Second); got != 10_000 {
		t.Errorf("Count(10s) = %d, want 10000", got)
	}
	if got := o.Interval(); got != time.Millisecond {
		t.Errorf("Interval = %v", got)
	}
}

// TestOpenNeverSendsEarly checks the loop keeps its rate: request k does
// not start before its scheduled time, and all are sent.
func TestOpenNeverSendsEarly(t *testing.T) {
	var mu sync.Mutex
	var starts []time.Time
	d := DoerFunc(func(context.Context) error {
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		return nil
	})
	o := Open{Rate: 500, Duration: 200 * time.Millisecond}
	res, err := o.Run(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 100 || len(starts) != 100 {
		t.Fatalf("sent %d requests (recorded %d), want 100", len(starts), res.Requests)
	}
	slices.SortFunc(starts, time.Time.Compare)
	for k, s := range starts {
		if due := o.Schedule(res.Start, k); s.Before(due) {
			t.Fatalf("request %d started %v before its scheduled time", k, due.Sub(s))
		}
	}
	if res.Elapsed < 190*time.Millisecond {
		t.Errorf("100 requests at 500/s took %v, want about 200ms", res.Elapsed)
	}
}

// TestOpenCountsStallInEveryDelayedRequest is the coordinated-omission
// check: one request stalls 100ms with one slot, so the ~100 requests
// scheduled meanwhile must all show the wait. A loop that timed from the
// actual send would report one slow request.
func TestOpenCountsStallInEveryDelayedRequest(t *testing.T) {
	var n atomic.Int64
	d := DoerFunc(func(context.Context) error {
		if n.Add(1) == 20 {
			time.Sleep(100 * time.Millisecond)
		}
		return nil
	})
	o := Open{Rate: 1000, Duration: 300 * time.Millisecond, MaxInFlight: 1}
	res, err := o.Run(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	slow := 0
	for _, l := range res.Latencies {
		if l >= 10*time.Millisecond {
			slow++
		}
	}
	if slow < 60 {
		t.Errorf("%d requests of %d took 10ms or more, want the ~90 scheduled during the stall", slow, res.Requests)
	}
	if p99 := res.Percentile(99); p99 < 80*time.Millisecond {
		t.Errorf("p99 = %v, want about 100ms", p99)
	}
}

func TestOpenWarmupNotRecorded(t *testing.T) {
	var n atomic.Int64
	d := DoerFunc(func(context.Context) error { n.Add(1); return nil })
	res, err := Open{Rate: 1000, Warmup: 50 * time.Millisecond, Duration: 100 * time.Millisecond}.Run(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 100 || n.Load() != 150 {
		t.Errorf("recorded %d of %d sent, want 100 of 150", res.Requests, n.Load())
	}
}

func TestClosedConcurrencyAndBounds(t *testing.T) {
	var inFlight, peak, total atomic.Int64
	boom := errors.New("boom")
	d := DoerFunc(func(context.Context) error {
		cur := inFlight.Add(1)
		for p := peak.Load(); cur > p && !peak.CompareAndSwap(p, cur); p = peak.Load() {
		}
		time.Sleep(time.Millisecond)
		inFlight.Add(-1)
		if total.Add(1)%10 == 0 {
			return boom
		}
		return nil
	})
	res, err := Closed{Concurrency: 4, Warmup: 20 * time.Millisecond, Duration: time.Minute, MaxRequests: 200}.Run(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if peak.Load() != 4 {
		t.Errorf("peak concurrency %d, want 4", peak.Load())
	}
	if res.Requests != 200 {
		t.Errorf("recorded %d requests, want MaxRequests=200", res.Requests)
	}
	if res.Errors < 15 || res.Errors > 25 || !errors.Is(res.FirstError, boom) {
		t.Errorf("errors %d (%v), want about 20 of boom", res.Errors, res.FirstError)
	}
	if total.Load() <= 200 {
		t.Errorf("warmup sent nothing: %d requests in all", total.Load())
	}
	if res.Elapsed > 10*time.Second || res.Elapsed < 40*time.Millisecond {
		t.Errorf("elapsed %v for 200 requests of 1ms at concurrency 4", res.Elapsed)
	}
}

func TestClosedStopsOnContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	d := DoerFunc(func(context.Context) error { time.Sleep(time.Millisecond); return nil })
	_, err := Closed{Concurrency: 2, Duration: time.Hour}.Run(ctx, d)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's", err)
	}
}
