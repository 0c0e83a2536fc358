package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
)

// maxProbeFailures is how many size probes in a row may fail before the
// prober gives up: a server that rejects HEAD (a presigned GET URL, for
// example) rejects all of them.
const maxProbeFailures = 3

// scheduler hands the remote dependencies to the download workers: the
// largest of those whose size is known first, and the others in list
// order.
//
// Sizes come from a prober (see probeSizes) that sends HEAD requests, on
// one connection of its own, while the first downloads run; it only runs
// when there are more dependencies than workers, since otherwise all start
// at once anyway. Starting large downloads first keeps a large dependency
// listed last from being a lone transfer at the end of the run while the
// other workers sit idle.
type scheduler struct {
	mu      sync.Mutex
	pending []int         // indexes into deps, in list order
	sizes   map[int]int64 // Content-Length of probed pending dependencies
}

func newScheduler(pending []int) *scheduler {
	return &scheduler{pending: pending, sizes: map[int]int64{}}
}

// next removes and returns the dependency to download next: the largest
// probed one, else the first in list order. ok is false when none is left.
func (s *scheduler) next() (index int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) == 0 {
		return 0, false
	}
	pick, best := 0, int64(-1)
	for i, index := range s.pending {
		if size, known := s.sizes[index]; known && size > best {
			pick, best = i, size
		}
	}
	index = s.pending[pick]
	s.pending = slices.Delete(s.pending, pick, pick+1)
	delete(s.sizes, index)
	return index, true
}

// unprobed returns the pending dependencies without a known size, last
// listed first: those are the ones that would start last, so their sizes
// matter most.
func (s *scheduler) unprobed() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for _, index := range slices.Backward(s.pending) {
		if _, known := s.sizes[index]; !known {
			out = append(out, index)
		}
	}
	return out
}

// setSize records the size of index if it is still pending, and reports
// whether any dependency is still pending.
func (s *scheduler) setSize(index int, size int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.Contains(s.pending, index) {
		s.sizes[index] = size
	}
	return len(s.pending) > 0
}

// probeSizes learns the sizes of the pending dependencies of s with HEAD
// requests, one at a time, until every one is probed or started, ctx is
// done or maxProbeFailures probes in a row failed. Failures are not
// errors: the dependency just keeps its place in list order.
func (f *fetcher) probeSizes(ctx context.Context, deps []*dependency, s *scheduler) {
	failures := 0
	for _, index := range s.unprobed() {
		if ctx.Err() != nil {
			return
		}
		size, err := f.probeSize(ctx, deps[index])
		if err != nil {
			if failures++; failures >= maxProbeFailures {
				return
			}
			continue
		}
		failures = 0
		f.progress.expect(deps[index], size)
		if !s.setSize(index, size) {
			return
		}
	}
}

// errNoSize is the error of a probe whose response has no usable size.
var errNoSize = errors.New("no size in the HEAD response")

// probeSize returns the Content-Length of a HEAD request for dep, bounded
// by Job.StallTimeout.
func (f *fetcher) probeSize(ctx context.Context, dep *dependency) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(f.job.StallTimeout))
	defer cancel()
	request, err := http.NewRequestWithContext(ctx, http.MethodHead, dep.fetchURL, nil)
	if err != nil {
		return 0, fmt.Errorf("building the probe: %w", err)
	}
	f.setHeaders(request)
	response, err := f.client.Do(request)
	if err != nil {
		return 0, fmt.Errorf("probing the size: %w", err)
	}
	_ = response.Body.Close() // a HEAD response has no body
	if response.StatusCode != http.StatusOK || response.ContentLength < 0 {
		return 0, errNoSize
	}
	return response.ContentLength, nil
}
