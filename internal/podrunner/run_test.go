package podrunner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestInitFailureStopsPod(t *testing.T) {
	requireNamespaces(t)
	pod := newPod(shell("app", "echo app ran"))
	pod.Spec.InitContainers = []corev1.Container{
		shell("install", "echo installed"),
		shell("fetch", "echo download failed >&2; exit 3"),
		shell("never", "echo never ran"),
	}
	out := run(t, pod, Fixtures{})
	var ce *ContainerError
	if !errors.As(out.err, &ce) {
		t.Fatalf("err = %v, want a *ContainerError", out.err)
	}
	if ce.Container != "fetch" || !ce.Init || ce.ExitCode != 3 {
		t.Errorf("error = %+v, want init container fetch with exit code 3", ce)
	}
	if msg := out.err.Error(); !strings.Contains(msg, `init container "fetch" failed with exit code 3`) {
		t.Errorf("message %q does not name the init container and code", msg)
	}
	if n := len(out.res.InitContainers); n != 2 {
		t.Errorf("%d init containers ran, want 2 (install, fetch)", n)
	}
	if len(out.res.Containers) != 0 || strings.Contains(out.stdout, "app ran") {
		t.Error("the app container ran after an init container failed")
	}
	if !strings.Contains(out.stderr, "[fetch] download failed\n") {
		t.Errorf("stderr = %q, want the prefixed error line", out.stderr)
	}
}

func TestExitCodeAndTerminationMessage(t *testing.T) {
	requireNamespaces(t)
	tests := []struct {
		name      string
		container corev1.Container
		code      int
		reason    string
		message   string
	}{
		{"success", shell("app", "exit 0"), 0, "Completed", ""},
		{"exit code", shell("app", "exit 42"), 42, "Error", ""},
		{"default message path", shell("app", "echo done-ok > /dev/termination-log"), 0, "Completed", "done-ok\n"},
		{"custom message path", func() corev1.Container {
			c := shell("app", "printf 'bad input' > /var/log/app/msg; exit 1")
			c.TerminationMessagePath = "/var/log/app/msg"
			return c
		}(), 1, "Error", "bad input"},
		{"fallback to logs", func() corev1.Container {
			c := shell("app", "echo line1; echo last words; exit 2")
			c.TerminationMessagePolicy = corev1.TerminationMessageFallbackToLogsOnError
			return c
		}(), 2, "Error", "line1\nlast words"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := run(t, newPod(tt.container), Fixtures{})
			res := out.container(t, "app")
			if res.ExitCode != tt.code || res.Reason != tt.reason || res.Message != tt.message {
				t.Errorf("got exit %d, reason %q, message %q; want %d, %q, %q", res.ExitCode, res.Reason, res.Message, tt.code, tt.reason, tt.message)
			}
			var ce *ContainerError
			if (tt.code != 0) != errors.As(out.err, &ce) || (ce != nil && ce.ExitCode != tt.code) {
				t.Errorf("err = %v, want a *ContainerError with exit code %d only on failure", out.err, tt.code)
			}
		})
	}
}

func TestRunAsUser(t *testing.T) {
	requireNamespaces(t)
	tests := []struct {
		name     string
		pod      *corev1.PodSecurityContext
		ctr      *corev1.SecurityContext
		want     string
		wantHome string
	}{
		{"root by default", nil, nil, "0 0", "/root"},
		{"pod runAsUser", &corev1.PodSecurityContext{RunAsUser: ptr(int64(1000))}, nil, "1000 0", "/home/app"},
		{"container overrides pod", &corev1.PodSecurityContext{RunAsUser: ptr(int64(1000)), RunAsGroup: ptr(int64(1000))},
			&corev1.SecurityContext{RunAsUser: ptr(int64(2000)), RunAsGroup: ptr(int64(3000))}, "2000 3000", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if os.Geteuid() != 0 && tt.want != "0 0" {
				t.Skip("changing users needs root (a user namespace maps only the runner's uid)")
			}
			c := shell("app", `echo "$(id -u) $(id -g)"; echo "home=$HOME"; touch /tmp/ok && echo tmp-writable`)
			c.Image = "users:1"
			c.SecurityContext = tt.ctr
			pod := newPod(c)
			pod.Spec.SecurityContext = tt.pod
			// The image's /etc/passwd is layered over the host's /etc.
			img := newImage(t, map[string]string{"etc/passwd": "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"})
			out := run(t, pod, Fixtures{Images: map[string]string{"users:1": img}})
			if out.err != nil {
				t.Fatal(out.err)
			}
			want := tt.want + "\nhome=" + tt.wantHome + "\ntmp-writable\n"
			if got := out.container(t, "app").Output; got != want {
				t.Errorf("output = %q, want %q", got, want)
			}
		})
	}
}

func TestRunAsNonRootWithoutUser(t *testing.T) {
	pod := newPod(shell("app", "exit 0"))
	pod.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsNonRoot: ptr(true)}
	out := run(t, pod, Fixtures{})
	if out.err == nil || !strings.Contains(out.err.Error(), "runAsNonRoot") {
		t.Fatalf("err = %v, want a runAsNonRoot error", out.err)
	}
}

// TestHostFilesystemUntouched mounts volumes below host and image
// directories and writes all over the container's root: nothing may appear
// on the host, in the image directory, or stay in WorkDir.
func TestHostFilesystemUntouched(t *testing.T) {
	requireNamespaces(t)
	marker := fmt.Sprintf("podrunner-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	hostPaths := []string{"/usr/" + marker, "/etc/" + marker, "/etc/" + marker + "-dir", "/" + marker, "/srv/" + marker, "/usr/share/" + marker}
	t.Cleanup(func() { // only a regression creates them; do not leave litter
		for _, p := range hostPaths {
			os.RemoveAll(p)
		}
	})
	img := newAppImage(t)
	before := listTree(t, img)
	c := corev1.Container{Name: "app", Image: appImage, Command: []string{"/bin/sh", "-c", `
		set -e
		echo x > /usr/` + marker + `
		echo x > /etc/` + marker + `
		echo x > /opt/app/` + marker + `
		echo x > /` + marker + `
		rm /opt/app/run.sh
		ls /etc/` + marker + `-dir /opt/app/conf /srv/` + marker + `/deep
		echo ok`}}
	c.VolumeMounts = []corev1.VolumeMount{
		{Name: "v", MountPath: "/etc/" + marker + "-dir"},
		{Name: "v", MountPath: "/opt/app/conf"},
		{Name: "v", MountPath: "/srv/" + marker + "/deep"},
	}
	if os.Geteuid() == 0 {
		// In a user namespace, host directories belong to an unmapped
		// user: no new mount points below their subdirectories.
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "v", MountPath: "/usr/share/" + marker + "/x"})
	}
	pod := newPod(c)
	pod.Spec.Volumes = []corev1.Volume{emptyDir("v")}
	workDir := t.TempDir()
	out := runWith(t.Context(), t, pod, Options{WorkDir: workDir, Fixtures: Fixtures{Images: map[string]string{appImage: img}}})
	if out.err != nil {
		t.Fatal(out.err)
	}
	if got := out.container(t, "app").Output; !strings.HasSuffix(got, "ok\n") {
		t.Fatalf("container output %q", got)
	}
	for _, p := range hostPaths {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s exists on the host (err %v)", p, err)
		}
	}
	if after := listTree(t, img); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("image directory changed:\nbefore %v\nafter  %v", before, after)
	}
	if left := listTree(t, workDir); len(left) > 0 {
		t.Errorf("WorkDir not cleaned up: %v", left)
	}
}

func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && p != dir {
			out = append(out, strings.TrimPrefix(p, dir))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestImageEntrypoint(t *testing.T) {
	requireNamespaces(t)
	tests := []struct {
		name    string
		command []string
		args    []string
		want    string
	}{
		{"entrypoint and cmd", nil, nil, "run.sh: default-arg\n"},
		{"args replace cmd", nil, []string{"--worker", "$(APP_MODE)"}, "run.sh: --worker fast\n"},
		{"command replaces both", []string{"/bin/echo", "direct"}, nil, "direct\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := corev1.Container{Name: "app", Image: appImage, Command: tt.command, Args: tt.args,
				Env: []corev1.EnvVar{{Name: "APP_MODE", Value: "fast"}}}
			out := run(t, newPod(c), Fixtures{})
			if out.err != nil {
				t.Fatal(out.err)
			}
			if got := out.container(t, "app").Output; got != tt.want {
				t.Errorf("output = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("no entrypoint", func(t *testing.T) {
		out := run(t, newPod(corev1.Container{Name: "app", Image: hostImage}), Fixtures{})
		if out.err == nil || !strings.Contains(out.err.Error(), "no command specified") {
			t.Errorf("err = %v, want no command specified", out.err)
		}
	})
	t.Run("unknown image", func(t *testing.T) {
		out := run(t, newPod(corev1.Container{Name: "app", Image: "nosuch:1", Command: []string{"true"}}), Fixtures{})
		if out.err == nil || !strings.Contains(out.err.Error(), `image "nosuch:1": no fixture`) {
			t.Errorf("err = %v, want a missing image fixture error", out.err)
		}
	})
	t.Run("missing executable", func(t *testing.T) {
		out := run(t, newPod(corev1.Container{Name: "app", Image: hostImage, Command: []string{"no-such-binary"}}), Fixtures{})
		var ce *ContainerError
		if !errors.As(out.err, &ce) || ce.Reason != "StartError" || !strings.Contains(ce.Error(), "executable file not found") {
			t.Errorf("err = %v, want a StartError", out.err)
		}
	})
}

func TestConcurrentContainersOutput(t *testing.T) {
	requireNamespaces(t)
	script := "for i in 1 2 3 4 5; do echo out-$i; echo err-$i >&2; done; printf no-newline"
	out := run(t, newPod(shell("a", script), shell("b", script)), Fixtures{})
	if out.err != nil {
		t.Fatal(out.err)
	}
	for _, name := range []string{"a", "b"} {
		for i := 1; i <= 5; i++ {
			if line := "[" + name + "] out-" + string(rune('0'+i)) + "\n"; !strings.Contains(out.stdout, line) {
				t.Errorf("stdout lacks %q", line)
			}
			if line := "[" + name + "] err-" + string(rune('0'+i)) + "\n"; !strings.Contains(out.stderr, line) {
				t.Errorf("stderr lacks %q", line)
			}
		}
		if !strings.Contains(out.stdout, "["+name+"] no-newline\n") {
			t.Errorf("stdout lacks the unterminated last line of %s", name)
		}
	}
	if got := strings.Count(out.stdout, "\n"); got != 12 {
		t.Errorf("stdout has %d lines, want 12:\n%s", got, out.stdout)
	}
}

func TestUnsupportedPods(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	sidecar := shell("proxy", "exit 0")
	sidecar.RestartPolicy = &always
	pod := newPod(shell("app", "exit 0"))
	pod.Spec.InitContainers = []corev1.Container{sidecar}
	out := run(t, pod, Fixtures{})
	if out.err == nil || !strings.Contains(out.err.Error(), "sidecar init containers") || !strings.Contains(out.err.Error(), "proxy") {
		t.Errorf("err = %v, want a sidecar error naming proxy", out.err)
	}
}
