package supervise_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/fetch"
	"github.com/stagehand-k8s/stagehand/pkg/supervise"
)

func TestExitStatusPassesThrough(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		script string
		code   int
		reason supervise.Reason
		signal string
	}{
		{"zero", "exit 0", 0, supervise.ReasonCompleted, ""},
		{"three", "exit 3", 3, supervise.ReasonError, ""},
		{"forty-two", "exit 42", 42, supervise.ReasonError, ""},
		{"killed", "kill -KILL $$", 137, supervise.ReasonSignaled, "SIGKILL"},
		{"terminated", "kill -TERM $$", 143, supervise.ReasonSignaled, "SIGTERM"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := runAgent(t, "--", "/bin/sh", "-c", tc.script)
			o.check(t, tc.code, tc.reason, tc.signal)
		})
	}
}

func TestStdoutPassesThrough(t *testing.T) {
	t.Parallel()
	o := runAgent(t, "--", "sh", "-c", `echo "out $1"; echo err >&2`, "sh", "arg one")
	o.check(t, 0, supervise.ReasonCompleted, "")
	if o.stdout != "out arg one\n" {
		t.Errorf("stdout = %q, want the task's output only", o.stdout)
	}
	if !strings.Contains(o.stderr, "err\n") {
		t.Errorf("stderr %q lacks the task's output", o.stderr)
	}
}

func TestCommandNotFoundOrNotExecutable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badInterp := filepath.Join(dir, "bad-interpreter")
	if err := os.WriteFile(badInterp, []byte("#!/no/such/interpreter\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		env    []string
		cmd    string
		code   int
		reason supervise.Reason
	}{
		{"not in PATH", nil, "stagehand-no-such-command", 127, supervise.ReasonNotFound},
		{"missing path", nil, "/no/such/dir/cmd", 127, supervise.ReasonNotFound},
		{"no exec bit", nil, plain, 126, supervise.ReasonNotExecutable},
		{"no exec bit in PATH", []string{"PATH=" + dir + ":/usr/bin:/bin"}, "plain", 126, supervise.ReasonNotExecutable},
		{"directory", nil, dir, 126, supervise.ReasonNotExecutable},
		{"missing interpreter", nil, badInterp, 127, supervise.ReasonNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := startAgent(t, tc.env, "--", tc.cmd).wait()
			o.check(t, tc.code, tc.reason, "")
		})
	}
}

func TestManifest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	valid := write("valid.json", fmt.Sprintf(`{"version":%d,"entries":[]}`, fetch.ManifestVersion))
	invalid := write("invalid.json", `{"version":`)
	future := write("future.json", fmt.Sprintf(`{"version":%d,"entries":[]}`, fetch.ManifestVersion+1))
	cases := []struct {
		name     string
		manifest string
		code     int
		reason   supervise.Reason
		ran      bool
	}{
		{"missing", filepath.Join(dir, "missing.json"), 125, supervise.ReasonInternalError, false},
		{"invalid", invalid, 125, supervise.ReasonInternalError, false},
		{"unknown version", future, 125, supervise.ReasonInternalError, false},
		{"valid", valid, 0, supervise.ReasonCompleted, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := startAgent(t, nil, "--manifest", tc.manifest, "--", "sh", "-c", "touch ran")
			o := a.wait()
			o.check(t, tc.code, tc.reason, "")
			_, err := os.Stat(a.path("ran"))
			if ran := err == nil; ran != tc.ran {
				t.Errorf("task ran = %v, want %v", ran, tc.ran)
			}
			if !tc.ran && !strings.Contains(o.msg.Message, "manifest") {
				t.Errorf("message %q does not mention the manifest", o.msg.Message)
			}
		})
	}
}

func TestTerminationLogOnFlagErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
	}{
		{"unknown flag", []string{"--bogus", "--", "true"}},
		{"bad duration", []string{"--timeout", "banana", "--", "true"}},
		{"negative timeout", []string{"--timeout=-1s", "--", "true"}},
		{"no command", []string{"--timeout", "1s"}},
		{"nothing", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := runAgent(t, tc.args...)
			o.check(t, 125, supervise.ReasonInternalError, "")
		})
	}
}

func TestTerminationLogFlagOverridesEnv(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--bogus"},
		{"--", "sh", "-c", "exit 5"},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "from-flag")
		a := startAgent(t, nil, append([]string{"--termination-log", path}, args...)...)
		// Not a.wait: that reads the environment's path, which must stay untouched.
		if err := a.cmd.Wait(); err == nil && len(args) > 1 {
			t.Errorf("%v: agent succeeded, want exit 5", args)
		}
		readTerminationLog(t, path)
		if _, err := os.Stat(a.termLog); err == nil {
			t.Errorf("%v: env termination log written although the flag was given", args)
		}
	}
}

func TestTerminationMessageTruncated(t *testing.T) {
	t.Parallel()
	// The message names the command, so a huge name must be cut to fit.
	o := runAgent(t, "--", strings.Repeat("<ö>", 3000))
	o.check(t, 127, supervise.ReasonNotFound, "")
	if !strings.HasSuffix(o.msg.Message, "...") {
		t.Errorf("message not marked as truncated: ...%q", o.msg.Message[max(0, len(o.msg.Message)-20):])
	}
}
