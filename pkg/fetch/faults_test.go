package fetch

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// attemptLog records when each request arrived.
type attemptLog struct {
	mu    sync.Mutex
	times []time.Time
}

func (l *attemptLog) record() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.times = append(l.times, time.Now())
	return len(l.times)
}

func (l *attemptLog) snapshot() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.times...)
}

// writeRaw hijacks the connection and writes a hand-made response with the
// given Content-Length but only part of the body, then closes it, optionally
// with a TCP reset.
func writeRaw(t *testing.T, w http.ResponseWriter, contentLength int, body []byte, reset bool) {
	conn, buffered, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	fmt.Fprintf(buffered, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", contentLength)
	buffered.Write(body)
	buffered.Flush()
	if tcp, ok := conn.(*net.TCPConn); ok && reset {
		tcp.SetLinger(0) // close sends RST
	}
	conn.Close()
}

func TestFaultMatrix(t *testing.T) {
	payload := bytes.Repeat([]byte("stagehand-payload-"), 4096) // 72 KiB
	goodSum := sha256Hex(payload)

	cases := []struct {
		name     string
		handler  func(t *testing.T, attempt int, w http.ResponseWriter, r *http.Request)
		tune     func(job *agentapi.Job)
		fragment string
		wantCode int
		// wantAttempts is the number of requests the server must see.
		wantAttempts int
		check        func(t *testing.T, attempts []time.Time, err error)
	}{
		{
			name: "500 then 200 succeeds",
			handler: func(t *testing.T, attempt int, w http.ResponseWriter, r *http.Request) {
				if attempt == 1 {
					http.Error(w, "boom", http.StatusInternalServerError)
					return
				}
				w.Write(payload)
			},
			fragment: "#sha256=" + goodSum, wantCode: ExitOK, wantAttempts: 2,
		},
		{
			name: "408 then 200 succeeds",
			handler: func(t *testing.T, attempt int, w http.ResponseWriter, r *http.Request) {
				if attempt == 1 {
					w.WriteHeader(http.StatusRequestTimeout)
					return
				}
				w.Write(payload)
			},
			wantCode: ExitOK, wantAttempts: 2,
		},
		{
			name: "connection reset mid-body is retried",
			handler: func(t *testing.T, attempt int, w http.ResponseWriter, r *http.Request) {
				if attempt == 1 {
					writeRaw(t, w, len(payload), payload[:1000], true)
					return
				}
				w.Write(payload)
			},
			fragment: "#sha256=" + goodSum, wantCode: ExitOK, wantAttempts: 2,
		},
		{
			name: "body shorter than Content-Length is retried",
			handler: func(t *testing.T, attempt int, w http.ResponseWriter, r *http.Request) {
				if attempt == 1 {
					writeRaw(t, w, len(payload), payload[:len(payload)-10], false)
					return
				}
				w.Write(payload)
			},
			wantCode: ExitOK, wantAttempts: 2,
		},
		{
			name: "stalled body fires stall timeout then succeeds",
			handler: func(t *testing.T, attempt int, w http.ResponseWriter, r *http.Request) {
				if attempt == 1 {
					stall(w, r, payload)
					return
				}
				w.Write(payload)
			},
			tune:     func(job *agentapi.Job) { job.StallTimeout = agentapi.Duration(150 * time.Millisecond) },
			wantCode: ExitOK, wantAttempts: 2,
		},
		{
			name: "stalled body every time is a network failure",
			handler: func(t *testing.T, attempt int, w http.ResponseWriter, r *http.Request) {
				stall(w, r, payload)
			},
			tune: func(job *agentapi.Job) {
				job.StallTimeout = agentapi.Duration(150 * time.Millisecond)
				job.MaxAttempts = 2
			},
			wantCode: ExitNetwork, wantAttempts: 2,
			check: func(t *testing.T, attempts []time.Time, err error) {
				if !strings.Contains(err.Error(), "stalled") {
					t.Errorf("error %q does not mention the stall", err)
				}
			},
		},
		{
			name: "429 with Retry-After is honoured",
			handler: func(t *testing.T, attempt int, w http.ResponseWriter, r *http.Request) {
				if attempt == 1 {
					w.Header().Set("Retry-After", "1")
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				w.Write(payload)
			},
			wantCode: ExitOK, wantAttempts: 2,
			check: func(t *testing.T, attempts []time.Time, err error) {
				if waited := attempts[1].Sub(attempts[0]); waited < 950*time.Millisecond {
					t.Errorf("retry came after %s, want >= 1s (Retry-After)", waited)
				}
			},
		},
		{
			name: "503 every time gives up after MaxAttempts",
			handler: func(t *testing.T, attempt int, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusServiceUnavailable)
			},
			wantCode: ExitNetwork, wantAttempts: 3,
		},
		{
			name: "404 is not retried",
			handler: func(t *testing.T, attempt int, w http.ResponseWriter, r *http.Request) {
				http.NotFound(w, r)
			},
			wantCode: ExitNetwork, wantAttempts: 1,
		},
		{
			name: "wrong sha256 is an integrity failure, not retried",
			handler: func(t *testing.T, attempt int, w http.ResponseWriter, r *http.Request) {
				w.Write(payload)
			},
			fragment: "#sha256=" + strings.Repeat("ab", 32), wantCode: ExitIntegrity, wantAttempts: 1,
		},
		{
			name: "oversize Content-Length is a size limit",
			handler: func(t *testing.T, attempt int, w http.ResponseWriter, r *http.Request) {
				w.Write(payload)
			},
			tune:     func(job *agentapi.Job) { job.MaxFileBytes = 1000 },
			wantCode: ExitSizeLimit, wantAttempts: 1,
		},
		{
			name: "oversize chunked body is a size limit while streaming",
			handler: func(t *testing.T, attempt int, w http.ResponseWriter, r *http.Request) {
				for offset := 0; offset < len(payload); offset += 4096 {
					w.Write(payload[offset : offset+4096])
					http.NewResponseController(w).Flush() // no Content-Length
				}
			},
			tune:     func(job *agentapi.Job) { job.MaxFileBytes = 10_000 },
			wantCode: ExitSizeLimit, wantAttempts: 1,
		},
		{
			name: "total size limit",
			handler: func(t *testing.T, attempt int, w http.ResponseWriter, r *http.Request) {
				w.Write(payload)
			},
			tune:     func(job *agentapi.Job) { job.MaxTotalBytes = int64(len(payload)) - 1 },
			wantCode: ExitSizeLimit, wantAttempts: 1,
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var log attemptLog
			server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tc.handler(t, log.record(), w, r)
			}))
			defer server.Close()
			job := testJob(t)
			if tc.tune != nil {
				tc.tune(&job)
			}
			job.Jars = []string{server.URL + "/lib/dep.jar" + tc.fragment}

			started := time.Now()
			_, err := runJob(t, job)
			if elapsed := time.Since(started); elapsed > 5*time.Second {
				t.Errorf("run took %s", elapsed)
			}
			assertExitCode(t, err, tc.wantCode)
			attempts := log.snapshot()
			if len(attempts) != tc.wantAttempts {
				t.Errorf("server saw %d requests, want %d", len(attempts), tc.wantAttempts)
			}
			final := filepath.Join(job.JarsDir, "dep.jar")
			assertNotExist(t, final+partSuffix)
			manifestPath := filepath.Join(job.JarsDir, agentapi.ManifestFileName)
			if tc.wantCode == ExitOK {
				assertFileContent(t, final, payload)
				manifest, err := ReadManifest(manifestPath)
				if err != nil {
					t.Fatal(err)
				}
				if entry := manifest.Entries[0]; entry.SHA256 != goodSum || entry.Size != int64(len(payload)) {
					t.Errorf("manifest entry %+v, want sha %s size %d", entry, goodSum, len(payload))
				}
			} else {
				assertNotExist(t, final)
				assertNotExist(t, manifestPath)
			}
			if tc.check != nil {
				tc.check(t, attempts, err)
			}
		})
	}
}

// stall sends headers and a little of the body, then nothing until the
// client goes away.
func stall(w http.ResponseWriter, r *http.Request, payload []byte) {
	w.Header().Set("Content-Length", fmt.Sprint(len(payload)))
	w.Write(payload[:100])
	http.NewResponseController(w).Flush()
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

func TestPartialFilesAreNeverFinal(t *testing.T) {
	// A failing attempt leaves nothing at the final name and cleans .part.
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeRaw(t, w, 5000, []byte("partial"), false)
	}))
	defer server.Close()
	job := testJob(t)
	job.MaxAttempts = 2
	job.Files = []string{server.URL + "/conf.xml"}
	_, err := runJob(t, job)
	assertExitCode(t, err, ExitNetwork)
	entries, _ := os.ReadDir(job.FilesDir)
	if len(entries) != 0 {
		t.Fatalf("files dir holds %v after failure, want nothing", entries)
	}
}
