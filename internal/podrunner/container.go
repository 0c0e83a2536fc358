package podrunner

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// maxMessage is the kubelet's limit on a termination message.
const maxMessage = 4096

// startError is a failure before the container's command was exec'ed
// (mounts, chroot, credentials, exec itself): the kubelet's StartError.
type startError struct{ msg string }

func (e *startError) Error() string { return e.msg }

// runContainer runs one container to completion, stopping it when ctx is
// done.
func (r *runner) runContainer(ctx context.Context, c *corev1.Container, init bool) (ContainerResult, error) {
	res := ContainerResult{Name: c.Name}
	start := time.Now()
	log := r.log.With("container", c.Name, "init", init)
	tail := &tailBuffer{limit: r.opts.OutputLimit}
	outW := newLineWriter(&r.outMu, r.stdout, c.Name)
	errW := newLineWriter(&r.outMu, r.stderr, c.Name)
	fail := func(reason string, code int, err error) (ContainerResult, error) {
		res.Reason, res.ExitCode, res.Duration = reason, code, time.Since(start)
		res.Output, res.Message = tail.String(), err.Error()
		log.Error("container not started", "reason", reason, "err", err)
		return res, &ContainerError{Container: c.Name, Init: init, ExitCode: code, Reason: reason, Err: err}
	}

	p, termLog, err := r.plan(c)
	if err != nil {
		if errors.As(err, new(*configError)) {
			return fail("CreateContainerConfigError", -1, err)
		}
		return fail("CreateContainerError", -1, err)
	}
	if os.Geteuid() != 0 && (p.UID != nil || p.GID != nil) {
		log.Warn("runAsUser/runAsGroup ignored: changing users needs the runner to be root")
	}
	proc, err := startContainer(p, filepath.Join(filepath.Dir(termLog), "plan.json"), io.MultiWriter(tail, outW), io.MultiWriter(tail, errW))
	if err != nil {
		outW.Flush() // the helper was waited for: no more writes
		errW.Flush()
		return fail("StartError", 128, err)
	}
	log.Info("container started", "pid", proc.pid(), "command", p.Argv)

	code, sig := r.wait(ctx, proc, log)
	outW.Flush()
	errW.Flush()
	res.ExitCode, res.Signal, res.Duration = code, sig, time.Since(start)
	res.Output = tail.String()
	res.Message = terminationMessage(termLog, c, code, res.Output)
	res.Reason = "Completed"
	if code != 0 {
		res.Reason = "Error"
	}
	attrs := []any{"exitCode", code, "duration", res.Duration.Round(time.Millisecond)}
	if sig != 0 {
		attrs = append(attrs, "signal", sig.String())
	}
	log.Info("container exited", attrs...)
	if code != 0 {
		return res, &ContainerError{Container: c.Name, Init: init, ExitCode: code, Signal: sig, Reason: res.Reason}
	}
	return res, nil
}

// wait waits for the container; once ctx is done it sends SIGTERM, then
// SIGKILL after the grace period (killing PID 1 ends its whole namespace).
func (r *runner) wait(ctx context.Context, proc *process, log *slog.Logger) (int, syscall.Signal) {
	var code int
	var sig syscall.Signal
	done := make(chan struct{})
	go func() {
		code, sig = proc.wait()
		close(done)
	}()
	select {
	case <-done:
		return code, sig
	case <-ctx.Done():
	}
	log.Info("stopping container", "signal", "SIGTERM", "grace", r.grace)
	proc.signal(syscall.SIGTERM)
	timer := time.NewTimer(r.grace)
	defer timer.Stop()
	select {
	case <-done:
		return code, sig
	case <-timer.C:
	}
	log.Info("grace period over", "signal", "SIGKILL")
	proc.signal(syscall.SIGKILL)
	<-done
	return code, sig
}

// plan prepares the container's directory and the helper's plan; it
// returns the host path of the termination log.
func (r *runner) plan(c *corev1.Container) (*plan, string, error) {
	img, err := r.image(c.Image)
	if err != nil {
		return nil, "", err
	}
	env, vars, err := containerEnv(r.pod, c, img, &r.opts.Fixtures)
	if err != nil {
		return nil, "", err
	}
	args, err := argv(c, img, vars)
	if err != nil {
		return nil, "", err
	}
	uid, gid, groups, err := credentials(r.pod, c)
	if err != nil {
		return nil, "", err
	}
	entries, err := rootEntries(img)
	if err != nil {
		return nil, "", err
	}
	dir := filepath.Join(r.dir, "containers", c.Name)
	p := &plan{
		Root:         filepath.Join(dir, "root"),
		Scratch:      filepath.Join(dir, "scratch"),
		Entries:      entries,
		Hostname:     hostname(r.pod),
		ReadOnlyRoot: readOnlyRoot(c),
		WorkingDir:   c.WorkingDir,
		Argv:         args,
		Env:          env.Environ(),
		UID:          uid,
		GID:          gid,
		Groups:       groups,
	}
	if p.WorkingDir == "" {
		p.WorkingDir = "/"
	}
	for _, d := range []string{p.Root, p.Scratch} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, "", err
		}
	}
	termLog := filepath.Join(dir, "termination-log")
	if err := os.WriteFile(termLog, nil, 0o666); err != nil {
		return nil, "", err
	}
	if err := os.Chmod(termLog, 0o666); err != nil {
		return nil, "", err
	}
	if p.Mounts, err = containerMounts(c, r.vols, vars, termLog); err != nil {
		return nil, "", err
	}
	return p, termLog, nil
}

// terminationMessage reads the termination log like the kubelet, falling
// back to the output's tail for FallbackToLogsOnError.
func terminationMessage(path string, c *corev1.Container, code int, output string) string {
	var msg string
	if f, err := os.Open(path); err == nil {
		buf := make([]byte, maxMessage)
		n, _ := io.ReadFull(f, buf)
		f.Close()
		msg = string(buf[:n])
	}
	if msg == "" && code != 0 && c.TerminationMessagePolicy == corev1.TerminationMessageFallbackToLogsOnError {
		msg = lastLines(output, 80, 2048)
	}
	return strings.TrimRight(msg, "\x00")
}
