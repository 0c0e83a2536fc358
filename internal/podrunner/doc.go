// Package podrunner runs a Pod spec on the local machine the way the kubelet
// would, with plain processes and Linux namespaces instead of a container
// runtime. It exists so end-to-end tests and `make demo` can execute the
// output of the offline injector (`webhook inject`) without a cluster.
//
// Run, in order:
//
//  1. prepares every pod volume as a directory under a fresh run directory
//     inside Options.WorkDir: emptyDir (mode 0777), persistentVolumeClaim
//     (an empty directory, or Fixtures.Claims), secret, configMap, projected
//     (serviceAccountToken, secret, configMap, downwardAPI) and downwardAPI
//     volumes are written from Fixtures, honouring items, modes and
//     optional; hostPath and other types are refused;
//  2. runs the init containers one after the other; the first that fails
//     stops the pod (restartPolicy Never semantics);
//  3. starts all app containers concurrently and waits for them;
//  4. on context cancellation or Options.Timeout sends SIGTERM to every
//     running container and SIGKILL once the pod's
//     terminationGracePeriodSeconds (capped by Options.MaxGracePeriod) ran
//     out;
//  5. removes the run directory (Options.KeepVolumes keeps the volumes).
//
// Each container runs in new mount, PID and UTS namespaces. The runner
// re-executes its own binary: MaybeRunInit, called first thing from main or
// TestMain, recognises the re-exec, assembles the container's root
// filesystem on a private tmpfs (copy-on-write overlays of the host's /usr,
// /bin, /lib, /lib64, /sbin and /etc merged with the image directory, a
// private /tmp, a minimal /dev, /proc, then the volume mounts), chroots,
// switches to runAsUser/runAsGroup and execs the container's command. The
// command is therefore PID 1 of its namespace and everything it started dies
// with it; none of the mounts is visible outside the namespace.
//
// Images are host directories (Fixtures.Images). A directory's entries are
// layered over the host directories of the same name; three optional
// metadata files at its top level are not part of the filesystem:
// .entrypoint and .cmd (JSON string arrays, the image's ENTRYPOINT and CMD)
// and .env (KEY=VALUE lines, the image's ENV).
//
// The network is the host's (like hostNetwork: true; status.podIP is
// 127.0.0.1). There are no cgroups, probes, lifecycle hooks or restarts.
package podrunner
