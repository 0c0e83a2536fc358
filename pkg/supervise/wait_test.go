package supervise

import (
	"os/exec"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestWaitExitedDoesNotReap: waitExited wakes up when the process exits and
// leaves its status to reapAll, the one place that waits.
func TestWaitExitedDoesNotReap(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "sleep 0.05; exit 7")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	exited := make(chan struct{})
	go waitExited(pid, exited)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("waitExited did not return after the process exited")
	}
	var ws unix.WaitStatus
	got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	if err != nil || got != pid || ws.ExitStatus() != 7 {
		t.Fatalf("wait4 after waitExited: pid %d (want %d), status %d, err %v; want the status still there", got, pid, ws.ExitStatus(), err)
	}

	// A pid that is no longer a child (reaped above) returns at once.
	again := make(chan struct{})
	go waitExited(pid, again)
	select {
	case <-again:
	case <-time.After(10 * time.Second):
		t.Fatal("waitExited blocked on a pid that is not a child")
	}
}
