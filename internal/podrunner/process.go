//go:build linux

package podrunner

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// errNotHooked is returned when the program never called MaybeRunInit:
// re-executing it would run its main instead of the helper.
var errNotHooked = errors.New("podrunner: MaybeRunInit was not called first thing in main/TestMain")

// process is a started container: the re-executed helper that became the
// container's command, PID 1 of its namespace.
type process struct {
	cmd *exec.Cmd
}

// startContainer re-executes this binary as the helper in new mount, PID and
// UTS namespaces (and a user namespace when not root), writes the plan to
// planPath, and returns once the container's command was exec'ed or the
// helper failed.
func startContainer(p *plan, planPath string, stdout, stderr io.Writer) (*process, error) {
	if !initHooked {
		return nil, errNotHooked
	}
	p.UserNS = os.Geteuid() != 0
	data, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(planPath, data, 0o600); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	syncR, syncW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer syncR.Close()
	cmd := &exec.Cmd{
		Path:        exe,
		Args:        []string{"podrunner-init"},
		Env:         []string{envInit + "=" + planPath},
		Stdout:      stdout,
		Stderr:      stderr,
		ExtraFiles:  []*os.File{syncW},
		SysProcAttr: sysProcAttr(p.UserNS),
		// Output copying stops this long after the container exited,
		// even if something kept its stdout open.
		WaitDelay: 2 * time.Second,
	}
	err = cmd.Start()
	syncW.Close()
	if err != nil {
		return nil, fmt.Errorf("start helper: %w", err)
	}
	msg, _ := io.ReadAll(syncR)
	if len(msg) > 0 {
		cmd.Wait()
		return nil, &startError{strings.TrimSpace(string(msg))}
	}
	return &process{cmd: cmd}, nil
}

func sysProcAttr(userNS bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWPID | syscall.CLONE_NEWUTS,
		Pdeathsig:  syscall.SIGKILL,
	}
	if userNS {
		attr.Cloneflags |= syscall.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
	}
	return attr
}

func (p *process) pid() int { return p.cmd.Process.Pid }

func (p *process) signal(sig syscall.Signal) { p.cmd.Process.Signal(sig) }

// wait returns the exit code (128+signal when killed) and signal.
func (p *process) wait() (int, syscall.Signal) {
	p.cmd.Wait()
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case !ok:
		return p.cmd.ProcessState.ExitCode(), 0
	case ws.Signaled():
		return 128 + int(ws.Signal()), ws.Signal()
	default:
		return ws.ExitStatus(), 0
	}
}

// CheckSupport reports whether this machine can run containers: it starts
// the helper in new namespaces and has it mount a tmpfs and proc. Programs
// must call MaybeRunInit first.
func CheckSupport() error {
	dir, err := os.MkdirTemp("", "podrunner-probe-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	root := filepath.Join(dir, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		return err
	}
	var out strings.Builder
	proc, err := startContainer(&plan{Probe: true, Root: root}, filepath.Join(dir, "plan.json"), &out, &out)
	if err != nil {
		return fmt.Errorf("podrunner unsupported here: %w", err)
	}
	if code, _ := proc.wait(); code != 0 {
		return fmt.Errorf("podrunner unsupported here: probe exited %d: %s", code, out.String())
	}
	return nil
}
