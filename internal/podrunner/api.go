package podrunner

import (
	"fmt"
	"io"
	"log/slog"
	"syscall"
	"time"
)

// Fixtures stand in for the API server and the registry: the objects a pod
// refers to, all in the pod's namespace.
type Fixtures struct {
	// Secrets maps a Secret's name to its data.
	Secrets map[string]map[string][]byte
	// ConfigMaps maps a ConfigMap's name to its data.
	ConfigMaps map[string]map[string]string
	// Images maps an image reference, exactly as written in the pod, to a
	// host directory whose contents are layered over the host's root
	// directories. The empty string maps to an empty image (host files
	// only). An image missing from the map is an error.
	Images map[string]string
	// Claims optionally maps a PersistentVolumeClaim's name to a host
	// directory to bind; claims not listed get a fresh empty directory.
	Claims map[string]string
	// ServiceAccountToken is written to projected serviceAccountToken
	// files; when empty, a fixed fake token is written.
	ServiceAccountToken string
	// NodeName is spec.nodeName when the pod leaves it empty; default
	// "podrunner".
	NodeName string
}

// Options configure Run. The zero value works (with an image fixture per
// container).
type Options struct {
	Fixtures
	// WorkDir is where the run directory (volumes, container roots) is
	// created; default os.TempDir().
	WorkDir string
	// KeepVolumes leaves the volume directories in place after Run
	// returns (Result.Volumes lists them); container roots are always
	// removed.
	KeepVolumes bool
	// Stdout and Stderr receive the containers' output, every line prefixed
	// with "[<container>] ". Nil discards.
	Stdout, Stderr io.Writer
	// Logger receives progress (volumes, container start and exit). Nil
	// discards.
	Logger *slog.Logger
	// Timeout bounds the whole pod; when it elapses the containers are
	// stopped like on context cancellation. Zero means no timeout.
	Timeout time.Duration
	// MaxGracePeriod caps the pod's terminationGracePeriodSeconds (default
	// 30s) between SIGTERM and SIGKILL. Zero means no cap.
	MaxGracePeriod time.Duration
	// OutputLimit is how many bytes of each container's output Result
	// keeps (the tail); default 64 KiB.
	OutputLimit int
}

// Result is what happened to the pod's containers, in spec order. Containers
// Run never reached (after a failed init container or a cancellation) are
// absent; containers that could not be started are present with their
// Reason and ExitCode -1 (configuration) or 128 (StartError).
type Result struct {
	InitContainers []ContainerResult
	Containers     []ContainerResult
	// Volumes maps volume names to their host directories; they exist
	// after Run only with Options.KeepVolumes.
	Volumes map[string]string
}

// Container returns the result of the (init or app) container with that
// name.
func (r *Result) Container(name string) (ContainerResult, bool) {
	for _, list := range [][]ContainerResult{r.InitContainers, r.Containers} {
		for _, c := range list {
			if c.Name == name {
				return c, true
			}
		}
	}
	return ContainerResult{}, false
}

// ContainerResult describes one terminated container, like a container
// status's terminated state.
type ContainerResult struct {
	Name string
	// ExitCode is the exit status, or 128+signal when a signal killed the
	// container (137 for SIGKILL), as the kubelet reports it.
	ExitCode int
	// Signal is the signal that killed the container, or 0.
	Signal syscall.Signal
	// Reason is "Completed", "Error" or, when the container could not be
	// started, "CreateContainerConfigError" or "StartError".
	Reason string
	// Message is the termination message: the contents of the container's
	// terminationMessagePath (at most 4 KiB), or the tail of its output
	// for terminationMessagePolicy FallbackToLogsOnError.
	Message  string
	Duration time.Duration
	// Output is the tail of stdout and stderr, interleaved as written.
	Output string
}

// ContainerError reports a container that did not complete successfully.
type ContainerError struct {
	Container string
	Init      bool
	ExitCode  int
	Signal    syscall.Signal
	Reason    string
	// Err is the cause when the container could not be started.
	Err error
}

func (e *ContainerError) Error() string {
	kind := "container"
	if e.Init {
		kind = "init container"
	}
	switch {
	case e.Err != nil:
		return fmt.Sprintf("%s %q: %s: %v", kind, e.Container, e.Reason, e.Err)
	case e.Signal != 0:
		return fmt.Sprintf("%s %q killed by %v (exit code %d)", kind, e.Container, e.Signal, e.ExitCode)
	default:
		return fmt.Sprintf("%s %q failed with exit code %d", kind, e.Container, e.ExitCode)
	}
}

func (e *ContainerError) Unwrap() error { return e.Err }
