package reliability

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// Shutdown bounds.
const (
	drainDelay     = 2 * time.Second
	readyFailBound = 200 * time.Millisecond
	// drainMargin: fresh connections stop this long before the delay ends,
	// as endpoints would have dropped the pod by then.
	drainMargin  = 200 * time.Millisecond
	drainClients = 8 // of each kind
)

// errRerouted is a connection the API server would have made to another
// pod: once the pod is terminating, new connections to the Service go to
// the ready endpoints.
var errRerouted = errors.New("new connection after SIGTERM: rerouted to another endpoint")

// TestShutdownDrain sends SIGTERM to a server under load: /readyz must
// return 503 within readyFailBound, admission must keep working during
// the delay, and the process must exit 0 once it is over. Two kinds of
// clients send throughout:
//
//   - fresh clients make a new connection for every request, until
//     drainMargin before the end of the delay: each must succeed;
//   - pooled clients model the API server's keep-alive connections, which
//     conntrack keeps sending to the terminating pod after it has left the
//     endpoints: they reuse the connections made before SIGTERM until the
//     process exits and make no new one (errRerouted). No request sent on
//     those connections may fail, however the server ends them.
func TestShutdownDrain(t *testing.T) {
	needBinary(t)
	ca := newCA(t)
	cases := admittedCases(t)
	dir, _ := ca.certDir(t)
	srv := startServer(t, options{certDir: dir, shutdownDelay: drainDelay})

	var terminated atomic.Bool
	pooled := newClient(ca.pool, drainClients)
	dialer := &net.Dialer{Timeout: requestTimeout}
	pooled.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if terminated.Load() {
			return nil, errRerouted
		}
		return dialer.DialContext(ctx, network, addr)
	}
	fresh := newClient(ca.pool, 0)
	fresh.Transport.(*http.Transport).DisableKeepAlives = true

	var sigterm atomic.Pointer[time.Time]
	var pooledTally, freshTally tally
	var rerouted, afterSigterm atomic.Int64
	pooledTally.onResult = func(start time.Time, err error) {
		if s := sigterm.Load(); s != nil && start.After(*s) {
			afterSigterm.Add(1)
		}
	}
	freshTally.onResult = pooledTally.onResult
	stopFresh := make(chan struct{})
	pooledDone, freshDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(pooledDone)
		generate(srv.exited, drainDelay+exitTimeout, drainClients, cases, func(c *reviewCase, uid string) error {
			err := admit(pooled, srv.url(), c, uid)
			if errors.Is(err, errRerouted) {
				rerouted.Add(1)
				time.Sleep(time.Millisecond) // the request went elsewhere
				return nil
			}
			return err
		}, &pooledTally)
	}()
	go func() {
		defer close(freshDone)
		generate(stopFresh, drainDelay+exitTimeout, drainClients, cases, func(c *reviewCase, uid string) error {
			return admit(fresh, srv.url(), c, uid)
		}, &freshTally)
	}()
	time.Sleep(500 * time.Millisecond) // steady load first

	now := time.Now()
	sigterm.Store(&now)
	terminated.Store(true)
	if err := srv.terminate(); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(drainDelay-drainMargin, func() { close(stopFresh) })
	var notReady time.Duration
	for status := 0; status != http.StatusServiceUnavailable; status = srv.ready() {
		if notReady = time.Since(now); notReady > readyFailBound {
			t.Errorf("/readyz still %d %v after SIGTERM, want 503 within %v", status, notReady, readyFailBound)
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	exitErr := srv.wait(drainDelay + exitTimeout)
	exited := time.Since(now)
	<-pooledDone
	<-freshDone

	requests := pooledTally.requests.Load() + freshTally.requests.Load() - rerouted.Load()
	lost := pooledTally.errors.Load() + pooledTally.wrong.Load() + freshTally.errors.Load() + freshTally.wrong.Load()
	t.Logf("RELIABILITY drain requests=%d lost=%d after_sigterm=%d rerouted=%d not_ready=%s exit=%s",
		requests, lost, afterSigterm.Load()-rerouted.Load(), rerouted.Load(), notReady.Round(time.Millisecond), exited.Round(time.Millisecond))
	for kind, tl := range map[string]*tally{"pooled": &pooledTally, "fresh": &freshTally} {
		if bad, msg := tl.failed(); bad {
			t.Errorf("%s clients: %s (SIGTERM at %s)", kind, msg, now.Format("15:04:05.000"))
		}
	}
	if exitErr != nil {
		t.Errorf("exit after SIGTERM: %v\noutput:\n%s", exitErr, srv.out)
	}
	if exited < drainDelay {
		t.Errorf("exited %v after SIGTERM, before the %v delay was over", exited, drainDelay)
	}
	if afterSigterm.Load()-rerouted.Load() == 0 {
		t.Error("no request was served after SIGTERM")
	}
}
