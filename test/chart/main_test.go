package chart

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/stagehand-k8s/stagehand/internal/testenv"
)

// cluster is envtest's API server and a kubeconfig for it that helm uses.
type cluster struct {
	*testenv.Env
	kubeconfig string
}

var shared testenv.Shared[*cluster]

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(shared.Main(m, "chart", start))
}

// start runs the API server, with nothing installed, and writes a
// kubeconfig of a cluster admin for helm. stop is always safe to call.
func start() (*cluster, func(), error) {
	e, stopEnv, err := testenv.Start(testenv.Options{})
	dir, derr := os.MkdirTemp("", "stagehand-chart-")
	stop := func() {
		stopEnv()
		if derr == nil {
			os.RemoveAll(dir)
		}
	}
	if err != nil {
		return nil, stop, err
	}
	if derr != nil {
		return nil, stop, derr
	}
	admin, err := e.Env.AddUser(envtest.User{Name: "helm-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return nil, stop, fmt.Errorf("adding helm's user: %w", err)
	}
	kubeconfig, err := admin.KubeConfig()
	if err != nil {
		return nil, stop, err
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		return nil, stop, err
	}
	return &cluster{Env: e, kubeconfig: path}, stop, nil
}

// env returns the API server, or skips the test when there is none.
func env(t *testing.T) *cluster {
	t.Helper()
	return shared.Get(t)
}
