package chart

import (
	"bufio"
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

	"github.com/stagehand-k8s/stagehand/internal/yamldoc"

	"github.com/stagehand-k8s/stagehand/internal/testenv"
)

// Where the chart and the repository are, from this package's directory.
const (
	repoRoot = "../.."
	chartDir = repoRoot + "/charts/stagehand"
)

// The release every test renders or installs: the namespace of
// manifests/base.
const (
	release   = "stagehand"
	namespace = "stagehand-system"
)

// helmTimeout bounds every helm command.
const helmTimeout = 3 * time.Minute

// helm is the helm of `make helm-assets` ($HELM, else bin/helm), which must
// report the version hack/helm/versions.env pins.
var helm = testenv.Tool{Find: findHelm}

// helmBinary is helm's path, or the end of the test without it.
func helmBinary(t *testing.T) string { return helm.Path(t) }

func findHelm() (string, error) {
	path, err := testenv.ToolPath("HELM", filepath.Join(repoRoot, "bin", "helm"), "helm-assets")
	if err != nil {
		return "", err
	}
	want, err := pinnedVersion()
	if err != nil {
		return "", err
	}
	out, err := exec.Command(path, "version", "--template", "{{.Version}}").Output()
	if err != nil {
		return "", fmt.Errorf("%s version: %w", path, err)
	}
	if got := strings.TrimSpace(string(out)); got != want {
		return "", fmt.Errorf("%s is helm %s, hack/helm/versions.env pins %s: run `make helm-assets`", path, got, want)
	}
	return path, nil
}

// pinnedVersion is HELM_VERSION of hack/helm/versions.env.
func pinnedVersion() (string, error) {
	f, err := os.Open(filepath.Join(repoRoot, "hack", "helm", "versions.env"))
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "HELM_VERSION="); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("hack/helm/versions.env sets no HELM_VERSION (%v)", s.Err())
}

// runHelm runs helm with args and returns its standard output, or an error
// with its standard error. Helm's configuration, cache and data go to a
// temporary directory, kubeconfig is the only cluster it may reach (none
// when empty), and every HTTP request it might make goes to a closed port
// of 127.0.0.1: nothing leaves the machine, even if a schema or a chart
// named a URL.
func runHelm(t *testing.T, kubeconfig string, args ...string) (string, error) {
	t.Helper()
	bin := helmBinary(t)
	home := t.TempDir()
	if kubeconfig == "" {
		kubeconfig = filepath.Join(home, "no-cluster")
		if err := os.WriteFile(kubeconfig, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), helmTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
		"KUBECONFIG="+kubeconfig,
		"HTTP_PROXY=http://127.0.0.1:1", "HTTPS_PROXY=http://127.0.0.1:1",
		"http_proxy=http://127.0.0.1:1", "https_proxy=http://127.0.0.1:1",
		"NO_PROXY=127.0.0.1", "no_proxy=127.0.0.1",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("helm %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// template renders the chart as release stagehand in stagehand-system, CRDs
// included, with extra arguments (values).
func template(t *testing.T, args ...string) ([]*unstructured.Unstructured, error) {
	t.Helper()
	out, err := runHelm(t, "", append([]string{"template", release, chartDir, "--namespace", namespace, "--include-crds"}, args...)...)
	if err != nil {
		return nil, err
	}
	return decode(out)
}

// mustTemplate is template that fails the test on an error.
func mustTemplate(t *testing.T, args ...string) []*unstructured.Unstructured {
	t.Helper()
	objects, err := template(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	return objects
}

// decode reads the objects of multi-document YAML.
func decode(manifest string) ([]*unstructured.Unstructured, error) {
	var objects []*unstructured.Unstructured
	var errs []error
	err := yamldoc.Each(strings.NewReader(manifest), func(n int, doc []byte) {
		u := &unstructured.Unstructured{}
		if err := yamlToObject(doc, u); err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", n, err))
			return
		}
		if len(u.Object) > 0 {
			objects = append(objects, u)
		}
	})
	if err == nil && len(errs) > 0 {
		err = errs[0]
	}
	return objects, err
}

// find returns the object of that kind and name, or nil.
func find(objects []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, u := range objects {
		if u.GetKind() == kind && u.GetName() == name {
			return u
		}
	}
	return nil
}

// mustFind is find that fails the test when there is no such object.
func mustFind(t *testing.T, objects []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	u := find(objects, kind, name)
	if u == nil {
		t.Fatalf("no %s %s among %v", kind, name, names(objects))
	}
	return u
}

// names lists Kind/name of objects.
func names(objects []*unstructured.Unstructured) []string {
	var out []string
	for _, u := range objects {
		out = append(out, u.GetKind()+"/"+u.GetName())
	}
	return out
}
