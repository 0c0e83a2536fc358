package podrunner

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// defaultGracePeriod is the API default of terminationGracePeriodSeconds.
const defaultGracePeriod = 30 * time.Second

// runner is one Run of one pod.
type runner struct {
	pod    *corev1.Pod
	opts   Options
	log    *slog.Logger
	dir    string // the run directory
	vols   map[string]volume
	grace  time.Duration
	stdout io.Writer
	stderr io.Writer
	outMu  sync.Mutex // serialises lines to stdout and stderr

	imgMu  sync.Mutex
	images map[string]*image
}

// Run runs the pod to completion: volumes, then init containers in order,
// then all app containers concurrently. The Result is never nil; it lists
// the containers that were started (or failed to start). The error is nil
// when every container exited 0; otherwise it joins a *ContainerError per
// failed container and, when ctx was canceled or Options.Timeout elapsed,
// the context's cause. Run needs MaybeRunInit to be called first in main or
// TestMain.
func Run(ctx context.Context, pod *corev1.Pod, opts Options) (*Result, error) {
	res := &Result{}
	if pod == nil {
		return res, errors.New("podrunner: nil pod")
	}
	if err := validate(pod); err != nil {
		return res, fmt.Errorf("pod %s: %w", pod.Name, err)
	}
	r, err := newRunner(pod, opts)
	if err != nil {
		return res, err
	}
	defer r.cleanup()
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		cause := fmt.Errorf("pod timeout of %v elapsed: %w", opts.Timeout, context.DeadlineExceeded)
		ctx, cancel = context.WithTimeoutCause(ctx, opts.Timeout, cause)
		defer cancel()
	}
	name := r.pod.Namespace + "/" + r.pod.Name
	r.log.Info("preparing volumes", "pod", name, "dir", r.dir, "volumes", len(r.pod.Spec.Volumes))
	if r.vols, err = prepareVolumes(r.pod, &r.opts.Fixtures, filepath.Join(r.dir, "volumes")); err != nil {
		return res, fmt.Errorf("pod %s: %w", name, err)
	}
	res.Volumes = make(map[string]string, len(r.vols))
	for n, v := range r.vols {
		res.Volumes[n] = v.dir
	}

	for i := range r.pod.Spec.InitContainers {
		if ctx.Err() != nil {
			return res, stopped(ctx)
		}
		cr, err := r.runContainer(ctx, &r.pod.Spec.InitContainers[i], true)
		res.InitContainers = append(res.InitContainers, cr)
		if err != nil {
			r.log.Error("pod failed", "pod", name, "err", err)
			return res, errors.Join(stopped(ctx), err)
		}
	}
	if ctx.Err() != nil {
		return res, stopped(ctx)
	}

	containers := r.pod.Spec.Containers
	res.Containers = make([]ContainerResult, len(containers))
	errs := make([]error, len(containers))
	var wg sync.WaitGroup
	for i := range containers {
		wg.Go(func() { res.Containers[i], errs[i] = r.runContainer(ctx, &containers[i], false) })
	}
	wg.Wait()
	err = errors.Join(append([]error{stopped(ctx)}, errs...)...)
	if err != nil {
		r.log.Error("pod failed", "pod", name, "err", err)
	} else {
		r.log.Info("pod succeeded", "pod", name)
	}
	return res, err
}

// stopped is the context's cause once it is done, else nil.
func stopped(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	return fmt.Errorf("pod stopped: %w", context.Cause(ctx))
}

func validate(pod *corev1.Pod) error {
	if len(pod.Spec.Containers) == 0 {
		return errors.New("no containers")
	}
	seen := map[string]bool{}
	var sidecars []string
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range list {
			if c.Name == "" || c.Name == "." || c.Name == ".." || strings.ContainsAny(c.Name, "/\x00") || seen[c.Name] {
				return fmt.Errorf("invalid or duplicate container name %q", c.Name)
			}
			seen[c.Name] = true
		}
	}
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecars = append(sidecars, c.Name)
		}
	}
	if len(sidecars) > 0 {
		return fmt.Errorf("sidecar init containers (restartPolicy: Always) are not supported: %s", strings.Join(sidecars, ", "))
	}
	return nil
}

func newRunner(pod *corev1.Pod, opts Options) (*runner, error) {
	pod = pod.DeepCopy()
	if pod.Namespace == "" {
		pod.Namespace = "default"
	}
	if pod.UID == "" {
		pod.UID = types.UID(newUID())
	}
	if pod.Spec.NodeName == "" {
		pod.Spec.NodeName = opts.NodeName
	}
	if pod.Spec.NodeName == "" {
		pod.Spec.NodeName = "podrunner"
	}
	if pod.Spec.ServiceAccountName == "" {
		pod.Spec.ServiceAccountName = "default"
	}
	r := &runner{pod: pod, opts: opts, log: opts.Logger, stdout: opts.Stdout, stderr: opts.Stderr, images: map[string]*image{}}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.stdout == nil {
		r.stdout = io.Discard
	}
	if r.stderr == nil {
		r.stderr = io.Discard
	}
	if r.opts.OutputLimit <= 0 {
		r.opts.OutputLimit = defaultOutputLimit
	}
	r.grace = defaultGracePeriod
	if s := pod.Spec.TerminationGracePeriodSeconds; s != nil {
		r.grace = time.Duration(*s) * time.Second
	}
	if opts.MaxGracePeriod > 0 && r.grace > opts.MaxGracePeriod {
		r.grace = opts.MaxGracePeriod
	}
	dir, err := os.MkdirTemp(opts.WorkDir, "podrunner-"+safeName(pod.Name)+"-")
	if err != nil {
		return nil, fmt.Errorf("podrunner: run directory: %w", err)
	}
	// Some callers' umask would otherwise keep non-root containers out.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	r.dir = dir
	return r, nil
}

// cleanup removes the container roots (and the volumes unless KeepVolumes).
// Containers mounted only in their own namespaces, which died with them;
// should anything still be mounted below the run directory, nothing is
// removed rather than risk deleting through a mount.
func (r *runner) cleanup() {
	if err := detachUnder(r.dir); err != nil {
		r.log.Error("cleanup: run directory left in place", "dir", r.dir, "err", err)
		return
	}
	target := r.dir
	if r.opts.KeepVolumes {
		target = filepath.Join(r.dir, "containers")
	}
	if err := os.RemoveAll(target); err != nil {
		r.log.Warn("cleanup", "dir", target, "err", err)
	}
}

func (r *runner) image(ref string) (*image, error) {
	r.imgMu.Lock()
	defer r.imgMu.Unlock()
	if img, ok := r.images[ref]; ok {
		return img, nil
	}
	img, err := loadImage(&r.opts.Fixtures, ref)
	if err != nil {
		return nil, err
	}
	r.images[ref] = img
	return img, nil
}

// newUID returns a random RFC 4122 version 4 UUID.
func newUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, s)
}
