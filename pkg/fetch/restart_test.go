package fetch

import (
	"fmt"
	"net/http"
	"path"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// serverDowntime is how long the dependency server stays down per bounce.
const serverDowntime = time.Second

// TestReliabilityServerRestart runs the real fetcher (a child process)
// against a dependency server on a fixed loopback port that goes away
// (connections refused, open transfers dropped) and comes back about a
// second later. With retries the job must still succeed: every file
// verified at its final name, no .part left, the manifest written.
func TestReliabilityServerRestart(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// before: the server is down when the fetcher starts.
		before bool
		// midBody: the server dies after sending half of a body; otherwise
		// it dies between two complete responses.
		midBody bool
	}{
		{name: "refused before job", before: true},
		{name: "refused mid job"},
		{name: "dropped mid body", midBody: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			testServerRestart(t, tc.before, tc.midBody)
		})
	}
}

func testServerRestart(t *testing.T, before, midBody bool) {
	files := scaled(4, 12)
	bounces := 1
	if !before {
		bounces = scaled(1, 3)
	}
	step := files / (bounces + 1)
	payloads := map[string][]byte{}
	var names []string
	for i := range files {
		name := fmt.Sprintf("dep-%02d.jar", i)
		names = append(names, name)
		payloads[name] = payloadFor(name, 128<<10+i*4096)
	}

	var (
		mu        sync.Mutex
		completed int // full responses served
		dropped   int // responses cut mid-body
		bounced   int
		requests  atomic.Int64
		bytesOut  atomic.Int64
		server    *restartableServer
	)
	// shouldBounce decides, under mu, whether this response ends with a
	// bounce: after every step-th complete response (mid job), or on the
	// first attempt at every step-th file (mid body).
	shouldBounce := func(count int) bool {
		if bounced >= bounces || count == 0 || count%step != 0 {
			return false
		}
		bounced++
		return true
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		payload, ok := payloads[path.Base(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(payload)))
		if r.Method == http.MethodHead {
			return // a size probe: not a response the bounces count
		}
		mu.Lock()
		cut := midBody && shouldBounce(completed+1)
		srv := server
		mu.Unlock()
		if cut {
			half := payload[:len(payload)/2]
			w.Write(half)
			http.NewResponseController(w).Flush()
			bytesOut.Add(int64(len(half)))
			mu.Lock()
			dropped++
			mu.Unlock()
			srv.bounce(serverDowntime) // closes this connection too
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		n, _ := w.Write(payload)
		http.NewResponseController(w).Flush()
		bytesOut.Add(int64(n))
		mu.Lock()
		completed++
		bounce := !midBody && !before && shouldBounce(completed)
		mu.Unlock()
		if bounce {
			// The body is flushed; closing now refuses the next request.
			go srv.bounce(serverDowntime)
		}
	})
	mu.Lock() // the handler reads server under mu
	server = newRestartableServer(t, handler)
	mu.Unlock()

	job := testJob(t)
	job.Parallelism = 1
	job.Timeout = agentapi.Duration(45 * time.Second)
	job.StallTimeout = agentapi.Duration(5 * time.Second)
	job.MaxAttempts = 40
	job.RetryBaseDelay = agentapi.Duration(50 * time.Millisecond)
	job.RetryMaxDelay = agentapi.Duration(400 * time.Millisecond)
	for _, name := range names {
		job.Jars = append(job.Jars, server.url(name)+"#sha256="+sha256Hex(payloads[name]))
	}
	if before {
		server.bounce(serverDowntime)
	}

	child := startFetchChild(t, job)
	code := child.wait(t)
	elapsed := time.Since(child.started)
	if code != ExitOK {
		t.Fatalf("fetcher exit code = %d, want 0\nstderr:\n%s", code, child.stderr.String())
	}
	assertJobDone(t, job, payloads)
	server.pending.Wait()
	if got := server.restartCount(); got != bounces {
		t.Errorf("server restarted %d times, want %d", got, bounces)
	}
	if midBody && dropped != bounces {
		t.Errorf("%d bodies dropped mid-way, want %d", dropped, bounces)
	}
	retries := child.logLines("download attempt failed, retrying")
	if retries < bounces {
		t.Errorf("fetcher logged %d retries, want at least one per outage (%d)", retries, bounces)
	}
	if minimum := time.Duration(bounces) * serverDowntime; elapsed < minimum {
		t.Errorf("fetch finished in %s, before the server could have come back (%s)", elapsed, minimum)
	}
	var total int
	for _, payload := range payloads {
		total += len(payload)
	}
	t.Logf("RELIABILITY agent fetch-server-restart %q: restarts=%d downtime=%s files=%d bytes=%d served=%d requests=%d dropped-mid-body=%d retries=%d exit=%d elapsed=%s",
		t.Name(), bounces, serverDowntime, files, total, bytesOut.Load(), requests.Load(), dropped, retries, code, elapsed.Round(time.Millisecond))
}
