package podrunner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestCancellation(t *testing.T) {
	requireNamespaces(t)
	tests := []struct {
		name   string
		script string
		code   int
		signal syscall.Signal
		output string
	}{
		// PID 1 without a TERM handler ignores SIGTERM: killed after the grace period.
		{"ignores SIGTERM", "echo started; exec sleep 300", 137, syscall.SIGKILL, "started\n"},
		{"handles SIGTERM", "trap 'echo got TERM; exit 0' TERM; echo started; while :; do sleep 0.1; done", 0, 0, "started\ngot TERM\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := newPod(shell("app", tt.script), shell("quick", "exit 0"))
			pod.Spec.TerminationGracePeriodSeconds = ptr(int64(1))
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			go func() {
				time.Sleep(500 * time.Millisecond)
				cancel()
			}()
			start := time.Now()
			out := runWith(ctx, t, pod, Options{})
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Run took %v after cancellation with a 1s grace period", d)
			}
			if !errors.Is(out.err, context.Canceled) {
				t.Errorf("err = %v, want it to wrap context.Canceled", out.err)
			}
			res := out.container(t, "app")
			if res.ExitCode != tt.code || res.Signal != tt.signal || res.Output != tt.output {
				t.Errorf("got exit %d signal %v output %q; want %d %v %q", res.ExitCode, res.Signal, res.Output, tt.code, tt.signal, tt.output)
			}
			if c := out.container(t, "quick"); c.ExitCode != 0 {
				t.Errorf("quick container exit %d", c.ExitCode)
			}
		})
	}
}

func TestTimeoutLeavesNoProcesses(t *testing.T) {
	requireNamespaces(t)
	marker := "987.654321" // a sleep duration nobody else uses
	pod := newPod(shell("app", "sleep "+marker+" & sleep "+marker+" & wait"))
	pod.Spec.TerminationGracePeriodSeconds = ptr(int64(0))
	out := runWith(t.Context(), t, pod, Options{Timeout: 500 * time.Millisecond})
	if !errors.Is(out.err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", out.err)
	}
	time.Sleep(100 * time.Millisecond) // the namespace's processes are reaped asynchronously
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), marker) {
			t.Errorf("process left behind: %s %q", p, b)
		}
	}
}
