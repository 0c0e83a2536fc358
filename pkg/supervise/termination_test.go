package supervise

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

func TestEncodeShortensLongMessages(t *testing.T) {
	for _, msg := range []string{
		strings.Repeat("a", 10000),
		strings.Repeat("ö", 5000),       // multi-byte runes must not be split
		strings.Repeat("\x01<\"", 3000), // escaping inflates the encoding
		strings.Repeat("x", 4000) + "ö", // just over the limit
	} {
		r := Result{ExitCode: 137, Signal: syscall.SIGKILL, Reason: ReasonSignaled, Message: msg, Duration: time.Second}
		data, err := NewTerminationMessage(r).Encode()
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		if len(data) >= MaxTerminationMessage {
			t.Errorf("encoded %d bytes, want < %d", len(data), MaxTerminationMessage)
		}
		if len(data) < MaxTerminationMessage-100 {
			t.Errorf("encoded only %d bytes, want the message kept as long as it fits", len(data))
		}
		var got TerminationMessage
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatalf("invalid JSON: %v", err)
		}
		if !utf8.ValidString(got.Message) || !strings.HasSuffix(got.Message, "...") {
			t.Errorf("message not cut cleanly: ...%q", got.Message[max(0, len(got.Message)-10):])
		}
		if got.Signal != "SIGKILL" || got.ExitCode != 137 || got.Reason != ReasonSignaled {
			t.Errorf("fields lost: %+v", got)
		}
	}
}

func TestEncodeKeepsShortMessages(t *testing.T) {
	r := Result{ExitCode: 0, Reason: ReasonCompleted, Message: "task <completed>", Duration: 1500 * time.Millisecond}
	data, err := NewTerminationMessage(r).Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"component":"stagehand-agent","exitCode":0,"reason":"Completed","message":"task <completed>","durationSeconds":1.5}`
	if string(data) != want {
		t.Errorf("Encode = %s\nwant     %s", data, want)
	}
}

// TestWriteTerminationMessage: the agent's message for r goes through
// termination.Write, whose create and skip rules TestWrite of package
// termination covers; no path writes nothing.
func TestWriteTerminationMessage(t *testing.T) {
	if err := WriteTerminationMessage("", true, Result{ExitCode: 3}); err != nil {
		t.Errorf("no path: %v, want nothing written", err)
	}
	path := filepath.Join(t.TempDir(), "log")
	if err := WriteTerminationMessage(path, true, Result{ExitCode: 3, Reason: ReasonError}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(data) || !strings.Contains(string(data), `"exitCode":3`) || !strings.Contains(string(data), `"component":"`+Component+`"`) {
		t.Errorf("%s = %q, want the agent's message", path, data)
	}
}

func TestParseArgs(t *testing.T) {
	t.Setenv(TerminationLogEnv, "")
	opts, err := ParseArgs([]string{"--timeout", "1m", "--grace=2s", "--manifest", "/m.json",
		"--termination-log", "/t", "--", "java", "-jar", "x.jar", "--", "-v"})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Timeout != time.Minute || opts.Grace != 2*time.Second || opts.ManifestPath != "/m.json" ||
		opts.TerminationLog != "/t" || !opts.CreateTerminationLog {
		t.Errorf("ParseArgs: %+v", opts)
	}
	if got := strings.Join(opts.Command, " "); got != "java -jar x.jar -- -v" {
		t.Errorf("command = %q", got)
	}
	opts, err = ParseArgs([]string{"sh", "-c", "true"})
	if err != nil || opts.Grace != DefaultGrace || len(opts.Command) != 3 || opts.TerminationLog != DefaultTerminationLog {
		t.Errorf("defaults: %+v, %v", opts, err)
	}
	for _, bad := range [][]string{{"--grace", "0s", "--", "true"}, {"--timeout", "-1s", "--", "true"}, {"--"}} {
		if _, err := ParseArgs(bad); err == nil {
			t.Errorf("ParseArgs(%q) succeeded, want an error", bad)
		}
	}
}

type recorder struct {
	started  int
	finished []Result
}

func (r *recorder) TaskStarted(pid int, _ time.Time) { r.started = pid }
func (r *recorder) TaskFinished(res Result)          { r.finished = append(r.finished, res) }

// TestObserverWithoutTask runs in-process: it never starts a child.
func TestObserverWithoutTask(t *testing.T) {
	rec := &recorder{}
	r := Run(t.Context(), Options{Command: []string{"/no/such/cmd"}, Observer: rec})
	if r.ExitCode != ExitNotFound || r.Started {
		t.Errorf("Run = %+v, want not found", r)
	}
	if rec.started != 0 || len(rec.finished) != 1 || rec.finished[0].Reason != ReasonNotFound {
		t.Errorf("observer saw %+v", rec)
	}
	// A nil Observer must be fine too.
	if r := Run(t.Context(), Options{}); r.ExitCode != ExitInternal {
		t.Errorf("Run without command = %+v, want internal error", r)
	}
}
