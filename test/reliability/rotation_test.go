package reliability

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/internal/certs"
)

// Rotation bounds: the new certificate must be served within reloadBound
// of a swap (a correctness bound on the certificate watcher's file events:
// its fallback poll takes 10 seconds), and each certificate then serves
// for swapInterval under load before the next swap.
const (
	reloadBound   = 2 * time.Second
	swapInterval  = 300 * time.Millisecond
	rotationLoad  = 16 // clients; half of them handshake on every request
	rotationLimit = 5 * time.Minute
)

// TestRotation replaces the serving certificate under steady load, as a
// file rewrite and as the kubelet's Secret-volume symlink swap, with
// certificates of one CA: no admission may fail, and after each swap the
// new certificate (by serial number) must be served within reloadBound.
func TestRotation(t *testing.T) {
	needBinary(t)
	swaps := pick(6, 20)
	ca := newCA(t)
	cases := admittedCases(t)
	modes := []struct {
		name  string
		setup func(dir string, first *certs.KeyPair) (func(*certs.KeyPair) error, error)
	}{
		{"file", func(dir string, first *certs.KeyPair) (func(*certs.KeyPair) error, error) {
			if err := writePairFiles(dir, first); err != nil {
				return nil, err
			}
			return func(p *certs.KeyPair) error { return writePairFiles(dir, p) }, nil
		}},
		{"symlink", func(dir string, first *certs.KeyPair) (func(*certs.KeyPair) error, error) {
			v, err := newSecretVolume(dir, first)
			if err != nil {
				return nil, err
			}
			return v.update, nil
		}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			first, err := ca.issue()
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			swap, err := m.setup(dir, first)
			if err != nil {
				t.Fatal(err)
			}
			srv := startServer(t, options{certDir: dir})
			if got := servedSerial(srv.addr(), ca); got != first.Cert.SerialNumber.String() {
				t.Fatalf("serving %s, want the first certificate %s", got, first.Cert.SerialNumber)
			}
			keepAlive := newClient(ca.pool, rotationLoad)
			fresh := newClient(ca.pool, 0)
			fresh.Transport.(*http.Transport).DisableKeepAlives = true
			var tl tally
			var sent atomic.Int64
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				generate(stop, rotationLimit, rotationLoad, cases, func(c *reviewCase, uid string) error {
					client := keepAlive
					if sent.Add(1)%2 == 0 { // every other request makes a new connection
						client = fresh
					}
					return admit(client, srv.url(), c, uid)
				}, &tl)
			}()
			maxReload, err := rotate(srv.addr(), ca, swaps, swap)
			close(stop)
			<-done
			t.Logf("RELIABILITY rotation mode=%s swaps=%d failed=%d max_reload=%s requests=%d",
				m.name, swaps, tl.errors.Load()+tl.wrong.Load(), maxReload.Round(time.Millisecond), tl.requests.Load())
			if err != nil {
				t.Errorf("%v\noutput:\n%s", err, srv.out)
			}
			if bad, msg := tl.failed(); bad {
				t.Error(msg)
			}
			keepAlive.CloseIdleConnections()
			if err := srv.stop(0); err != nil {
				t.Errorf("%v\noutput:\n%s", err, srv.out)
			}
		})
	}
}

// rotate swaps in n new certificates and returns the longest time one
// took to be served.
func rotate(addr string, ca *testCA, n int, swap func(*certs.KeyPair) error) (time.Duration, error) {
	var longest time.Duration
	for i := range n {
		next, err := ca.issue()
		if err != nil {
			return longest, err
		}
		want := next.Cert.SerialNumber.String()
		start := time.Now()
		if err := swap(next); err != nil {
			return longest, fmt.Errorf("swap %d: %w", i+1, err)
		}
		got := ""
		for got != want && time.Since(start) < reloadBound {
			if got = servedSerial(addr, ca); got != want {
				time.Sleep(5 * time.Millisecond)
			}
		}
		took := time.Since(start)
		longest = max(longest, took)
		if got != want {
			return longest, fmt.Errorf("swap %d: still serving %s %v after the swap, want %s", i+1, got, reloadBound, want)
		}
		time.Sleep(swapInterval)
	}
	return longest, nil
}

// servedSerial returns the serial number of the certificate a verified
// handshake gets, or the handshake's error.
func servedSerial(addr string, ca *testCA) string {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: requestTimeout}, "tcp", addr,
		&tls.Config{RootCAs: ca.pool, MinVersion: tls.VersionTLS12})
	if err != nil {
		return "handshake error: " + err.Error()
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
}
