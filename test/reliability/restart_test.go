package reliability

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Rolling restart settings: the balancer polls readiness as the kubelet
// and the endpoints controller would, only faster.
const (
	readinessPeriod = 100 * time.Millisecond
	restartDelay    = time.Second // longer than readinessPeriod plus a request
	restartClients  = 8
)

// errNoBackend is a request the balancer had nowhere to send.
var errNoBackend = errors.New("no ready backend")

// TestRollingRestart restarts two servers one after the other behind a
// client-side balancer that polls /readyz every readinessPeriod and sends
// only to ready servers, as a Service does, while clients send without a
// pause: no request may be lost.
func TestRollingRestart(t *testing.T) {
	needBinary(t)
	rounds := pick(1, 5)
	ca := newCA(t)
	cases := admittedCases(t)
	lb := &balancer{}
	for range 2 {
		dir, _ := ca.certDir(t)
		srv := startServer(t, options{certDir: dir, shutdownDelay: restartDelay})
		lb.backends = append(lb.backends, &backend{srv: srv, client: newClient(ca.pool, restartClients)})
	}
	stopPolling := lb.poll()
	defer stopPolling()
	if err := lb.waitReady(lb.backends...); err != nil {
		t.Fatal(err)
	}

	var tl tally
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		generate(stop, 10*time.Minute, restartClients, cases, lb.send, &tl)
	}()
	restarts, err := lb.rollingRestart(t, rounds)
	time.Sleep(300 * time.Millisecond) // traffic on the restarted servers
	close(stop)
	<-done
	lost := tl.errors.Load() + tl.wrong.Load()
	t.Logf("RELIABILITY shutdown requests=%d lost=%d restarts=%d", tl.requests.Load(), lost, restarts)
	if err != nil {
		t.Error(err)
	}
	if bad, msg := tl.failed(); bad {
		t.Error(msg)
	}
	for _, b := range lb.backends {
		if b.sent.Load() == 0 {
			t.Errorf("no request reached %s", b.srv.addr())
		}
	}
}

// balancer sends each request to the next ready backend.
type balancer struct {
	backends []*backend
	next     atomic.Uint64
}

type backend struct {
	mu     sync.Mutex
	srv    *server
	client *http.Client
	ready  atomic.Bool
	sent   atomic.Int64
}

func (b *backend) server() *server {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.srv
}

// poll updates every backend's readiness each readinessPeriod until the
// returned function is called.
func (lb *balancer) poll() func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(readinessPeriod)
		defer tick.Stop()
		for {
			for _, b := range lb.backends {
				b.ready.Store(b.server().ready() == http.StatusOK)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(stop); <-done }
}

// send is a sendFunc through the balancer.
func (lb *balancer) send(c *reviewCase, uid string) error {
	n := uint64(len(lb.backends))
	first := lb.next.Add(1)
	for i := range n {
		if b := lb.backends[(first+i)%n]; b.ready.Load() {
			b.sent.Add(1)
			return admit(b.client, b.server().url(), c, uid)
		}
	}
	return errNoBackend
}

// waitReady waits until the balancer sees the backends ready.
func (lb *balancer) waitReady(bs ...*backend) error {
	deadline := time.Now().Add(startTimeout)
	for _, b := range bs {
		for !b.ready.Load() {
			if time.Now().After(deadline) {
				return fmt.Errorf("balancer does not see %s ready within %v", b.server().addr(), startTimeout)
			}
			time.Sleep(pollInterval)
		}
	}
	return nil
}

// rollingRestart restarts each backend in turn, rounds times: SIGTERM,
// wait for exit 0, start again on the same ports, wait until the balancer
// sees it ready. It returns the number of restarts.
func (lb *balancer) rollingRestart(t *testing.T, rounds int) (int, error) {
	restarts := 0
	for range rounds {
		for _, b := range lb.backends {
			old := b.server()
			if err := old.stop(restartDelay); err != nil {
				return restarts, fmt.Errorf("%s: %w\noutput:\n%s", old.addr(), err, old.out)
			}
			next, err := launch(old.opts)
			if err != nil {
				return restarts, err
			}
			t.Cleanup(next.kill)
			if err := next.waitReady(startTimeout); err != nil {
				return restarts, fmt.Errorf("%s after a restart: %w\noutput:\n%s", next.addr(), err, next.out)
			}
			b.mu.Lock()
			b.srv = next
			b.mu.Unlock()
			if err := lb.waitReady(b); err != nil {
				return restarts, err
			}
			restarts++
		}
	}
	return restarts, nil
}
