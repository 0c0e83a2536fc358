package fetch

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestSchedulerPicksLargestProbedFirst(t *testing.T) {
	s := newScheduler([]int{0, 1, 2, 3, 4})
	if got := s.unprobed(); !slices.Equal(got, []int{4, 3, 2, 1, 0}) {
		t.Fatalf("unprobed = %v, want last listed first", got)
	}
	s.setSize(3, 100)
	s.setSize(4, 10)
	var order []int
	for {
		index, ok := s.next()
		if !ok {
			break
		}
		order = append(order, index)
	}
	// Probed ones, largest first, then the others in list order.
	if want := []int{3, 4, 0, 1, 2}; !slices.Equal(order, want) {
		t.Fatalf("order = %v, want %v", order, want)
	}
}

// orderServer serves payloads and records the order of GET requests and
// the number of HEAD requests. When headStatus is not 200, HEAD requests
// get that status.
type orderServer struct {
	*httptest.Server
	mu    sync.Mutex
	gets  []string
	heads map[string]bool
}

func newOrderServer(t *testing.T, payloads map[string][]byte, headStatus int, beforeFirstGet func(*orderServer)) *orderServer {
	t.Helper()
	s := &orderServer{heads: map[string]bool{}}
	var once sync.Once
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Base(r.URL.Path)
		payload, ok := payloads[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.Method == http.MethodHead {
			s.mu.Lock()
			s.heads[name] = true
			s.mu.Unlock()
			if headStatus != http.StatusOK {
				w.WriteHeader(headStatus)
				return
			}
		} else {
			once.Do(func() { beforeFirstGet(s) })
			s.mu.Lock()
			s.gets = append(s.gets, name)
			s.mu.Unlock()
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(payload)))
		if r.Method != http.MethodHead {
			_, _ = w.Write(payload)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// waitForHeads waits until every name was probed, or a few seconds.
func (s *orderServer) waitForHeads(names ...string) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		all := true
		for _, name := range names {
			all = all && s.heads[name]
		}
		s.mu.Unlock()
		if all {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestLargestDependencyStartsFirst(t *testing.T) {
	payloads := map[string][]byte{
		"a.jar":   bytes.Repeat([]byte("a"), 100),
		"b.jar":   bytes.Repeat([]byte("b"), 100),
		"big.bin": bytes.Repeat([]byte("c"), 1<<20),
	}
	// The first download waits for the sizes, so that the order after it
	// does not depend on timing.
	srv := newOrderServer(t, payloads, http.StatusOK, func(s *orderServer) { s.waitForHeads("b.jar", "big.bin") })
	job := testJob(t)
	job.Parallelism = 1
	job.Jars = []string{srv.URL + "/a.jar", srv.URL + "/b.jar"}
	job.Files = []string{srv.URL + "/big.bin#sha256=" + sha256Hex(payloads["big.bin"])}
	if _, err := runJob(t, job); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a.jar", "big.bin", "b.jar"}; !slices.Equal(srv.gets, want) {
		t.Fatalf("downloads started in order %v, want %v (largest first after the first)", srv.gets, want)
	}
}

func TestRejectedSizeProbesKeepListOrder(t *testing.T) {
	payloads := map[string][]byte{}
	var names []string
	for i := range 6 {
		name := fmt.Sprintf("dep-%d.jar", i)
		payloads[name] = bytes.Repeat([]byte{byte(i)}, 1000*(i+1)) // last is largest
		names = append(names, name)
	}
	srv := newOrderServer(t, payloads, http.StatusForbidden, func(s *orderServer) {
		s.waitForHeads(names[len(names)-maxProbeFailures:]...)
	})
	job := testJob(t)
	job.Parallelism = 1
	for _, name := range names {
		job.Jars = append(job.Jars, srv.URL+"/"+name+"#sha256="+sha256Hex(payloads[name]))
	}
	if _, err := runJob(t, job); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(srv.gets, names) {
		t.Fatalf("downloads started in order %v, want list order %v", srv.gets, names)
	}
	if len(srv.heads) != maxProbeFailures {
		t.Fatalf("%d size probes, want %d: probing goes on after failures", len(srv.heads), maxProbeFailures)
	}
}
