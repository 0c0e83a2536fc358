package reliability

import (
	"testing"
	"time"
)

// loadClients is how many clients send at once, each on its own
// keep-alive connection.
const loadClients = 64

// TestLoad sends every admitted golden case from 64 concurrent keep-alive
// TLS clients and compares every response with the in-process handler's.
func TestLoad(t *testing.T) {
	needBinary(t)
	forms := []struct {
		name     string
		duration time.Duration
	}{{"short", 3 * time.Second}}
	if soak() {
		forms = []struct {
			name     string
			duration time.Duration
		}{{"middle", 60 * time.Second}, {"soak", 300 * time.Second}}
	}
	ca := newCA(t)
	cases := admittedCases(t)
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			dir, _ := ca.certDir(t)
			srv := startServer(t, options{certDir: dir})
			client := newClient(ca.pool, loadClients)
			var tl tally
			start := time.Now()
			generate(nil, f.duration, loadClients, cases, func(c *reviewCase, uid string) error {
				return admit(client, srv.url(), c, uid)
			}, &tl)
			elapsed := time.Since(start)
			t.Logf("RELIABILITY load requests=%d errors=%d wrong=%d duration=%s clients=%d cases=%d rate=%.0f/s",
				tl.requests.Load(), tl.errors.Load(), tl.wrong.Load(), elapsed.Round(time.Millisecond),
				loadClients, len(cases), float64(tl.requests.Load())/elapsed.Seconds())
			if bad, msg := tl.failed(); bad {
				t.Error(msg)
			}
			if tl.requests.Load() < int64(len(cases)) {
				t.Errorf("only %d requests in %v: not every case was sent", tl.requests.Load(), elapsed)
			}
			client.CloseIdleConnections() // else the server waits 5s for unused new ones
			if err := srv.stop(0); err != nil {
				t.Errorf("%v\noutput:\n%s", err, srv.out)
			}
		})
	}
}
