package reliability

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/stagehand-k8s/stagehand/internal/admissiontest"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/webhook"
)

// Figures of TestHostileInput.
const (
	// hostileContainers is how many containers the huge pod has: about
	// 3.6 MiB as the API server forwards it, with its defaulted fields.
	hostileContainers = 20000
	// oneTargetContainers is how many containers a pod within the limits
	// has, of which stagehand injects one.
	oneTargetContainers = 2000
	// lyingBodies is how many connections promise a 7 MiB body and send a
	// few bytes of it.
	lyingBodies = 40
	// slowBodies is how many connections send 4 MiB of a 7 MiB body and
	// stall.
	slowBodies = 6
	// slowHeaders is how many connections send half a request line and
	// stall, and idle how many handshake and send nothing.
	slowHeaders, idle = 10, 10
	// closeBound is how long after they opened the server must have closed
	// every stalled connection: a functional bound well above its read
	// timeouts (5 s for headers, 10 s per request), and below the 32 s
	// header timeout and no body timeout of the server stagehand used
	// before; not a measure of speed.
	closeBound = 25 * time.Second
	// maxPeakRatio bounds the server's peak RSS under hostile input against
	// its peak under steady load.
	maxPeakRatio = 2.5
)

// TestHostileInput sends the webhook what one tenant, or anyone who can
// reach its port, could send to take it down, after a steady load that sets
// the reference peak RSS: pods of 20,000 containers asking for every
// injection, a pod of 2,000 containers injecting one, a pod whose patch
// would pass the limit, connections that promise 7 MiB and send a few
// bytes, connections that send megabytes and stall, and connections that
// stall in or before their headers. Each gets a bounded answer, a normal
// request is answered meanwhile, the server closes what stalls within
// closeBound, and its peak RSS stays within 2.5x the steady peak.
func TestHostileInput(t *testing.T) {
	needBinary(t)
	ca := newCA(t)
	dir, _ := ca.certDir(t)
	srv := startServer(t, options{certDir: dir})
	client := newClient(ca.pool, loadClients)
	defer client.CloseIdleConnections()
	cases := admittedCases(t)
	normal := func() error { return admit(client, srv.url(), cases[0], "normal") }

	// The steady load of TestLoad: every admitted golden case from 64
	// keep-alive clients.
	var tl tally
	generate(nil, 2*time.Second, loadClients, cases, func(c *reviewCase, uid string) error {
		return admit(client, srv.url(), c, uid)
	}, &tl)
	if bad, msg := tl.failed(); bad {
		t.Fatal(msg)
	}
	steady := peakRSS(t, srv)

	t.Run("many containers", func(t *testing.T) {
		body := hugePod(t, hostileContainers, "")
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				start := time.Now()
				resp, err := post(client, srv.url(), body)
				if err != nil {
					t.Error(err)
					return
				}
				want := fmt.Sprintf("spec.containers: Too many: stagehand decodes at most %d bytes of Go values", webhook.MaxDecodedBytes)
				if resp.Allowed || !strings.Contains(resp.Result.Message, want) {
					t.Errorf("allowed=%v %.300q, want a denial saying %q", resp.Allowed, resp.Result.Message, want)
				}
				if i == 0 {
					t.Logf("RELIABILITY hostile-containers containers=%d body=%d time=%s", hostileContainers, len(body), time.Since(start).Round(time.Millisecond))
				}
			})
		}
		wg.Wait()
	})
	t.Logf("RELIABILITY hostile-phase before=%s peakRSS=%dKiB", "thousands of containers, one target", peakRSS(t, srv)>>10)
	t.Run("thousands of containers, one target", func(t *testing.T) {
		body := hugePod(t, oneTargetContainers, "c1")
		start := time.Now()
		resp, err := post(client, srv.url(), body)
		if err != nil {
			t.Fatal(err)
		}
		if !resp.Allowed || len(resp.Patch) > 64<<10 {
			t.Errorf("allowed=%v with a %d-byte patch; want the one container injected", resp.Allowed, len(resp.Patch))
		}
		t.Logf("RELIABILITY hostile-one-target containers=%d body=%d patch=%d time=%s", oneTargetContainers, len(body), len(resp.Patch), time.Since(start).Round(time.Millisecond))
	})
	t.Logf("RELIABILITY hostile-phase before=%s peakRSS=%dKiB", "patch over the limit", peakRSS(t, srv)>>10)
	t.Run("patch over the limit", func(t *testing.T) {
		resp, err := post(client, srv.url(), longCommands(t))
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("larger than %d bytes", webhook.MaxPatchBytes)
		if resp.Allowed || !strings.Contains(resp.Result.Message, want) {
			t.Errorf("allowed=%v %.300q, want a denial saying %q", resp.Allowed, resp.Result.Message, want)
		}
	})
	t.Logf("RELIABILITY hostile-phase before=%s peakRSS=%dKiB", "lying and slow bodies", peakRSS(t, srv)>>10)
	t.Run("lying and slow bodies", func(t *testing.T) {
		var conns []net.Conn
		opened := time.Now()
		for range lyingBodies {
			conns = append(conns, promise(t, srv, ca, 16))
		}
		for range slowBodies {
			conns = append(conns, promise(t, srv, ca, 4<<20))
		}
		for range slowHeaders {
			conns = append(conns, stall(t, srv, ca, "POST "+webhook.Path+" HTTP/1.1\r\nHost: stag"))
		}
		for range idle {
			conns = append(conns, stall(t, srv, ca, ""))
		}
		if err := normal(); err != nil {
			t.Errorf("a normal request while %d bodies stall: %v", len(conns), err)
		}
		rss := currentRSS(t, srv)
		start := time.Now()
		for i, c := range conns {
			if err := closedByServer(c, opened.Add(closeBound)); err != nil {
				t.Errorf("connection %d: %v", i, err)
			}
		}
		t.Logf("RELIABILITY hostile-bodies lying=%d slow=%d slowHeaders=%d idle=%d rssWhileStalled=%dKiB allClosedAfter=%s",
			lyingBodies, slowBodies, slowHeaders, idle, rss>>10, time.Since(start).Round(100*time.Millisecond))
		if err := normal(); err != nil {
			t.Errorf("a normal request after the stalled bodies: %v", err)
		}
	})

	peak := peakRSS(t, srv)
	t.Logf("RELIABILITY hostile steadyPeakRSS=%dKiB hostilePeakRSS=%dKiB ratio=%.2f", steady>>10, peak>>10, float64(peak)/float64(steady))
	if float64(peak) > maxPeakRatio*float64(steady) {
		t.Errorf("peak RSS %d KiB under hostile input, more than %.1fx the %d KiB of steady load", peak>>10, maxPeakRatio, steady>>10)
	}
}

// hugePod is the review of admissiontest.ManyContainers(n, targets).
func hugePod(t *testing.T, n int, targets string) []byte {
	t.Helper()
	raw, err := admissiontest.ManyContainers(n, targets)
	if err != nil {
		t.Fatal(err)
	}
	return reviewOfPod(t, raw)
}

// longCommands is the review of a pod whose 64 wrapped containers have
// commands long enough that the patch passes webhook.MaxPatchBytes.
func longCommands(t *testing.T) []byte {
	t.Helper()
	arg := strings.Repeat("x", 20<<10)
	containers := make([]map[string]any, annotations.MaxTargetContainers)
	for i := range containers {
		containers[i] = map[string]any{"name": "c" + strconv.Itoa(i), "image": "busybox", "command": []string{"/run.sh", arg}}
	}
	return review(t, map[string]any{
		"metadata": map[string]any{"name": "long", "annotations": map[string]string{inject.Agent: "true"}},
		"spec":     map[string]any{"containers": containers},
	})
}

func review(t *testing.T, pod map[string]any) []byte {
	t.Helper()
	raw, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	return reviewOfPod(t, raw)
}

func reviewOfPod(t *testing.T, raw []byte) []byte {
	t.Helper()
	body, err := admissiontest.Review("hostile", "ns", admissionv1.Create, raw)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// stall opens a TLS connection, sends what and stops.
func stall(t *testing.T, srv *server, ca *testCA, what string) net.Conn {
	t.Helper()
	c, err := tls.Dial("tcp", srv.addr(), &tls.Config{RootCAs: ca.pool, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, what); err != nil {
		t.Fatal(err)
	}
	return c
}

// promise opens a TLS connection that announces a body of the largest size
// the webhook reads, sends sent bytes of it and stops.
func promise(t *testing.T, srv *server, ca *testCA, sent int) net.Conn {
	t.Helper()
	head := "POST " + webhook.Path + " HTTP/1.1\r\nHost: stagehand\r\nContent-Type: application/json\r\nContent-Length: " +
		strconv.Itoa(7<<20) + "\r\n\r\n"
	body := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"` + strings.Repeat("u", max(sent-60, 0))
	return stall(t, srv, ca, head+body[:min(sent, len(body))])
}

// closedByServer waits, until deadline at most, for the server to answer
// or close the connection.
func closedByServer(c net.Conn, deadline time.Time) error {
	if err := c.SetReadDeadline(deadline); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, c); err != nil {
		return fmt.Errorf("still open %v after it was opened: %w", closeBound, err)
	}
	return nil
}

// peakRSS is the server process's peak resident set size (VmHWM), in bytes.
func peakRSS(t *testing.T, s *server) int64 { return procStatus(t, s, "VmHWM:") }

// currentRSS is the server process's resident set size (VmRSS), in bytes.
func currentRSS(t *testing.T, s *server) int64 { return procStatus(t, s, "VmRSS:") }

func procStatus(t *testing.T, s *server, field string) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kib << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, s.cmd.Process.Pid)
	return 0
}
