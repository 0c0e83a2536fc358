package loadgen

import (
	"math"
	"slices"
	"time"
)

// Result is what one run of a loop measured. Latencies hold every measured
// request, successful or not, sorted ascending.
type Result struct {
	// Start is when the measured window began.
	Start time.Time
	// Elapsed runs from Start to the completion of the last measured request.
	Elapsed time.Duration
	// Requests counts measured requests; Errors those of them that failed.
	Requests, Errors int
	// FirstError is the first error seen, if any.
	FirstError error
	// Latencies are sorted ascending.
	Latencies []time.Duration
}

// Throughput is the rate of successful requests per second.
func (r Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests-r.Errors) / r.Elapsed.Seconds()
}

// Percentile returns the nearest-rank p-th percentile of the latencies.
func (r Result) Percentile(p float64) time.Duration {
	return Percentile(r.Latencies, p)
}

// Percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// sorted: the smallest value that at least p percent of the values are at
// or below. It returns 0 for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// Merge combines the results of several runs of the same subject, as if
// they were one run: requests, errors and elapsed times add up and the
// latencies are pooled.
func Merge(rs ...Result) Result {
	var m Result
	for i, r := range rs {
		if i == 0 {
			m.Start = r.Start
		}
		m.Elapsed += r.Elapsed
		m.Requests += r.Requests
		m.Errors += r.Errors
		if m.FirstError == nil {
			m.FirstError = r.FirstError
		}
		m.Latencies = append(m.Latencies, r.Latencies...)
	}
	slices.Sort(m.Latencies)
	return m
}

// recorder collects the samples of one worker, so that workers share no
// lock.
type recorder struct {
	latencies []time.Duration
	errors    int
	firstErr  error
	last      time.Time
}

func (r *recorder) add(latency time.Duration, end time.Time, err error) {
	r.latencies = append(r.latencies, latency)
	if err != nil {
		r.errors++
		if r.firstErr == nil {
			r.firstErr = err
		}
	}
	if end.After(r.last) {
		r.last = end
	}
}

// collect merges the recorders of one run into a Result.
func collect(start time.Time, recs []*recorder) Result {
	res := Result{Start: start}
	var last time.Time
	for _, r := range recs {
		res.Latencies = append(res.Latencies, r.latencies...)
		res.Errors += r.errors
		if res.FirstError == nil {
			res.FirstError = r.firstErr
		}
		if r.last.After(last) {
			last = r.last
		}
	}
	res.Requests = len(res.Latencies)
	if res.Requests > 0 {
		res.Elapsed = last.Sub(start)
	}
	slices.Sort(res.Latencies)
	return res
}
