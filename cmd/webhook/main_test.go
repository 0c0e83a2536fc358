package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/version"
)

// runMainEnv, set in the environment, makes the test binary run main.
const runMainEnv = "STAGEHAND_TEST_RUN_MAIN"

// commandTimeout bounds each run of the command.
const commandTimeout = 30 * time.Second

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Args = append([]string{"webhook"}, os.Args[1:]...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// command returns the test binary set up to run main with args and env.
func command(ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(append(cleanEnv(), runMainEnv+"=1"), env...)
	return cmd
}

// cleanEnv is the test's environment without STAGEHAND_ variables.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "STAGEHAND_") {
			env = append(env, kv)
		}
	}
	return env
}

// runMain runs main in a process and returns its output and exit code.
func runMain(t *testing.T, env []string, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := command(ctx, env, args...)
	var out, errOut bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("running %q: %v", args, err)
	}
	return out.String(), errOut.String(), code
}

func TestVersion(t *testing.T) {
	stdout, stderr, code := runMain(t, nil, "", "version")
	if code != 0 || stdout != version.String()+"\n" {
		t.Errorf("webhook version = %d %q (stderr %q), want 0 %q", code, stdout, stderr, version.String()+"\n")
	}
}

func TestServeInvalidSettings(t *testing.T) {
	for _, args := range [][]string{{"serve", "--webhook-port=0"}, {"--webhook-port=0"}} {
		stdout, stderr, code := runMain(t, []string{"STAGEHAND_LOG_LEVEL=loud"}, "", args...)
		if code != 1 {
			t.Errorf("webhook %q exited %d, want 1", args, code)
		}
		for _, want := range []string{`STAGEHAND_WEBHOOK_PORT (--webhook-port) = "0"`, `STAGEHAND_LOG_LEVEL (--log-level) = "loud"`} {
			if !strings.Contains(stderr, want) {
				t.Errorf("webhook %q: stderr lacks %s:\n%s", args, want, stderr)
			}
		}
		if stdout != "" {
			t.Errorf("webhook %q wrote to stdout: %q", args, stdout)
		}
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"deploy"}, `unknown command "deploy"`},
		{"unknown serve flag", []string{"serve", "--port=1"}, "-port"},
		{"serve argument", []string{"serve", "now"}, `"now"`},
		{"inject without -f", []string{"inject"}, "-f is required"},
		{"inject unknown flag", []string{"inject", "-f", "-", "--dry-run"}, "dry-run"},
		{"inject missing file", []string{"inject", "-f", "/no/such/file.yaml"}, "/no/such/file.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, strings.NewReader(""), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %v, want an error mentioning %s", tt.args, err, tt.want)
			}
			if stdout.Len() > 0 {
				t.Errorf("run(%q) wrote to stdout: %q", tt.args, stdout.String())
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-h"}, "commands:"},
		{[]string{"help"}, "commands:"},
		{[]string{"serve", "-h"}, "STAGEHAND_WEBHOOK_PORT"},
		{[]string{"inject", "-h"}, "-strict"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), tt.args, strings.NewReader(""), &stdout, &stderr); err != nil {
			t.Errorf("run(%q) = %v", tt.args, err)
		}
		if !strings.Contains(stdout.String(), tt.want) {
			t.Errorf("run(%q) printed %q, want it to mention %s", tt.args, stdout.String(), tt.want)
		}
	}
}
