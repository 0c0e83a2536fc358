package podrunner

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Image references of the fixtures every test gets.
const (
	hostImage = "host:latest" // the empty image: host directories only
	appImage  = "app:latest"  // /opt/app/run.sh, see newAppImage
)

// newImage writes an image directory; files ending in .sh are executable.
func newImage(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// newAppImage is an image whose /opt/app/run.sh echoes its arguments and
// runs them as a shell script.
func newAppImage(t *testing.T) string {
	return newImage(t, map[string]string{
		"opt/app/run.sh": "#!/bin/sh\necho \"run.sh: $*\"\n",
		".entrypoint":    `["/opt/app/run.sh"]`,
		".cmd":           `["default-arg"]`,
		".env":           "APP_HOME=/opt/app\n",
	})
}

func shell(name, script string) corev1.Container {
	return corev1.Container{Name: name, Image: hostImage, Command: []string{"/bin/sh", "-c", script}}
}

func newPod(containers ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "test-pod", Namespace: "ns1", UID: "uid-1234",
			Labels: map[string]string{"app": "demo"}, Annotations: map[string]string{"note": "hello"}},
		Spec: corev1.PodSpec{Containers: containers, RestartPolicy: corev1.RestartPolicyNever},
	}
}

type runOutput struct {
	res            *Result
	err            error
	stdout, stderr string
}

// run runs pod with fixtures (the two standard images are added) and a
// 60s timeout, in a work directory of the test's own.
func run(t *testing.T, pod *corev1.Pod, fx Fixtures) runOutput {
	t.Helper()
	return runWith(t.Context(), t, pod, Options{Fixtures: fx})
}

func runWith(ctx context.Context, t *testing.T, pod *corev1.Pod, opts Options) runOutput {
	t.Helper()
	images := map[string]string{hostImage: "", appImage: newAppImage(t)}
	for k, v := range opts.Images {
		images[k] = v
	}
	opts.Images = images
	var stdout, stderr, logs bytes.Buffer
	opts.Stdout, opts.Stderr = &stdout, &stderr
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	if opts.WorkDir == "" {
		opts.WorkDir = t.TempDir()
	}
	if opts.Timeout == 0 {
		opts.Timeout = 60 * time.Second
	}
	res, err := Run(ctx, pod, opts)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s\nlog:\n%s", &stdout, &stderr, &logs)
		}
	})
	if res == nil {
		t.Fatalf("Run returned a nil Result (err %v)", err)
	}
	return runOutput{res: res, err: err, stdout: stdout.String(), stderr: stderr.String()}
}

// container returns the named container's result or fails the test.
func (o runOutput) container(t *testing.T, name string) ContainerResult {
	t.Helper()
	c, ok := o.res.Container(name)
	if !ok {
		t.Fatalf("no result for container %q (err %v)", name, o.err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }
