package manifests

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/internal/yamldoc"

	"github.com/stagehand-k8s/stagehand/internal/testenv"
)

// kubectlTimeout bounds every kubectl command.
const kubectlTimeout = 2 * time.Minute

// kubectlTool is the kubectl users run, with the kustomize it embeds:
// $KUBECTL, else the one of `make node-assets` next to envtest's binaries
// ($KUBEBUILDER_ASSETS, else bin/envtest).
var kubectlTool = testenv.Tool{Find: func() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		dir = filepath.Join("..", "..", "bin", "envtest")
	}
	return testenv.ToolPath("KUBECTL", filepath.Join(dir, "kubectl"), "node-assets")
}}

// kubectlBinary is kubectl's path, or the end of the test without it.
func kubectlBinary(t *testing.T) string { return kubectlTool.Path(t) }

// kubectlResult is what a kubectl command printed and how it ended.
type kubectlResult struct {
	stdout, stderr string
	err            error
}

// kubectl runs kubectl with args against the API server of kubeconfig (none:
// a kubeconfig that does not exist, for commands that need no cluster, so
// that nothing on this machine is ever reached).
func kubectl(t *testing.T, kubeconfig string, args ...string) kubectlResult {
	t.Helper()
	return kubectlIn(t, "", kubeconfig, args...)
}

// kubectlIn is kubectl, run in the directory dir (empty: the test's).
func kubectlIn(t *testing.T, dir, kubeconfig string, args ...string) kubectlResult {
	t.Helper()
	bin := kubectlBinary(t)
	if kubeconfig == "" {
		kubeconfig = filepath.Join(t.TempDir(), "no-kubeconfig")
	}
	ctx, cancel := context.WithTimeout(t.Context(), kubectlTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "HOME="+t.TempDir())
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("kubectl %s: %w", strings.Join(args, " "), err)
	}
	return kubectlResult{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

// kubectlKustomize builds dir with the kustomize that kubectl embeds, as
// `kubectl apply -k dir` does, and returns the objects in its order.
func kubectlKustomize(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	r := kubectl(t, "", "kustomize", dir)
	if r.err != nil {
		t.Fatalf("%v: %s", r.err, r.stderr)
	}
	var objects []*unstructured.Unstructured
	err := yamldoc.Each(strings.NewReader(r.stdout), func(n int, doc []byte) {
		j, err := yaml.YAMLToJSON(doc)
		u := &unstructured.Unstructured{}
		if err == nil {
			err = u.UnmarshalJSON(j)
		}
		if err != nil {
			t.Fatalf("kubectl kustomize %s: document %d: %v", dir, n, err)
		}
		objects = append(objects, u)
	})
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v", dir, err)
	}
	return objects
}

// overlayOf writes a kustomization into a new temporary directory whose
// resources are the repository's manifests/<name>, by a relative path as a
// user's overlay would name it, with extra appended, and returns the
// directory.
func overlayOf(t *testing.T, name, extra string) string {
	t.Helper()
	dir := t.TempDir()
	target, err := filepath.Abs(filepath.Join(manifestsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(dir, target)
	if err != nil {
		t.Fatal(err)
	}
	k := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - " + filepath.ToSlash(rel) + "\n" + extra
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(k), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
