package fetch

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/internal/logbuffer"
	"github.com/stagehand-k8s/stagehand/pkg/termination"
)

// logLine is the part of a log line the progress tests read.
type logLine struct {
	Msg         string         `json:"msg"`
	URI         string         `json:"uri"`
	State       string         `json:"state"`
	Bytes       int64          `json:"bytes"`
	BytesTotal  *int64         `json:"bytesTotal"`
	Percent     *int           `json:"percent"`
	ETA         string         `json:"eta"`
	Rate        *int64         `json:"bytesPerSecond"`
	FilesDone   int            `json:"filesDone"`
	FilesFailed int            `json:"filesFailed"`
	FilesTotal  int            `json:"filesTotal"`
	States      map[string]int `json:"states"`
	Active      []activeFile   `json:"active"`
}

func parseLogLines(t *testing.T, logs []byte) []logLine {
	t.Helper()
	var lines []logLine
	for _, raw := range bytes.Split(bytes.TrimSpace(logs), []byte("\n")) {
		var line logLine
		if err := json.Unmarshal(raw, &line); err != nil {
			t.Fatalf("log line %q: %v", raw, err)
		}
		lines = append(lines, line)
	}
	return lines
}

// TestProgressLinesShowEachFile: while one dependency trickles in and
// another waits for its slot, a progress line has the total, the share
// done, the rate and the time left, counts the dependencies by state and
// lists the one being fetched with its own share; each dependency's own
// lines say its state.
func TestProgressLinesShowEachFile(t *testing.T) {
	const size = 4
	release := make(chan struct{})
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(size))
		if r.Method == http.MethodHead {
			return
		}
		if r.URL.Path == "/slow.jar" {
			w.Write([]byte("ab"))
			http.NewResponseController(w).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		} else {
			w.Write([]byte("ab"))
		}
		w.Write([]byte("cd"))
	}))
	defer server.Close()
	job := testJob(t)
	job.Parallelism = 1
	job.Jars = []string{server.URL + "/slow.jar", server.URL + "/next.jar", "local:///opt/l.jar"}
	var logs logbuffer.Buffer
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), job, slog.New(slog.NewJSONHandler(&logs, nil)))
		done <- err
	}()
	// Wait (bounded) for a progress line that shows the slow download half
	// done, with the other one's size probed.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), `"bytesTotal":8,"percent":25`) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	var progress, complete *logLine
	lines := parseLogLines(t, []byte(logs.String()))
	states := map[string][]string{}
	for i, line := range lines {
		switch line.Msg {
		case "fetch progress":
			if progress == nil && line.Percent != nil && *line.Percent == 25 {
				progress = &lines[i]
			}
		case "fetch complete":
			complete = &lines[i]
		case "fetching", "fetched":
			name := line.URI[strings.LastIndex(line.URI, "/")+1:]
			states[name] = append(states[name], line.State)
		}
	}
	if progress == nil {
		t.Fatalf("no progress line at 25%%:\n%s", logs.String())
	}
	if *progress.BytesTotal != 8 || progress.Bytes != 2 || progress.ETA == "" || progress.Rate == nil || progress.FilesTotal != 3 ||
		progress.FilesDone != 1 {
		t.Errorf("progress line %+v, want 2 of 8 bytes, a rate, an ETA, the local file done", *progress)
	}
	if want := map[string]int{termination.StateFetching: 1, termination.StateQueued: 1, termination.StateLocal: 1}; !equalCounts(progress.States, want) {
		t.Errorf("states %v, want %v", progress.States, want)
	}
	if len(progress.Active) != 1 || progress.Active[0].Name != "slow.jar" || progress.Active[0].Bytes != 2 ||
		progress.Active[0].Size != size || progress.Active[0].Percent == nil || *progress.Active[0].Percent != 50 {
		t.Errorf("active %+v, want slow.jar at 2 of 4 bytes, 50%%", progress.Active)
	}
	if complete == nil || complete.Bytes != 8 || *complete.Percent != 100 || complete.FilesDone != 3 ||
		!equalCounts(complete.States, map[string]int{termination.StatePlaced: 2, termination.StateLocal: 1}) {
		t.Errorf("complete line %+v", complete)
	}
	for _, name := range []string{"slow.jar", "next.jar"} {
		if got := strings.Join(states[name], ","); got != "fetching,placed" {
			t.Errorf("%s's own lines say %q, want fetching,placed", name, got)
		}
	}
}

// TestRetriedBytesCountOnce: while a dependency waits for its retry,
// progress lines show it retrying; the share done counts its current
// attempt only, so a download retried after half its body ends at 100% of
// its size, not 150%.
func TestRetriedBytesCountOnce(t *testing.T) {
	payload := []byte("0123456789")
	var attempts atomic.Int32
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch attempts.Add(1) {
		case 1: // a backoff of 1s, over many progress intervals
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			writeRaw(t, w, len(payload), payload[:5], true)
		default:
			w.Write(payload)
		}
	}))
	defer server.Close()
	job := testJob(t)
	job.Jars = []string{server.URL + "/r.jar"}
	var logs bytes.Buffer
	if _, err := Run(context.Background(), job, newTestLogger(&logs)); err != nil {
		t.Fatal(err)
	}
	var retried, shown bool
	for _, line := range parseLogLines(t, logs.Bytes()) {
		switch line.Msg {
		case "download attempt failed, retrying":
			retried = line.State == termination.StateRetrying
		case "fetch progress":
			if line.States[termination.StateRetrying] == 1 && len(line.Active) == 1 && line.Active[0].State == termination.StateRetrying {
				shown = true
			}
		case "fetch complete":
			if line.Bytes != int64(len(payload)) || *line.BytesTotal != int64(len(payload)) || *line.Percent != 100 {
				t.Errorf("complete line %+v, want %d bytes of %d, 100%%", line, len(payload), len(payload))
			}
		}
	}
	if !retried || !shown {
		t.Errorf("no retry line or no progress line in state %s:\n%s", termination.StateRetrying, logs.String())
	}
}

func equalCounts(got, want map[string]int) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}
