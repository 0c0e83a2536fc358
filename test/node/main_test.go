package node

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/stagehand-k8s/stagehand/internal/nodeenv"
)

// root is the repository, from this package's directory.
const root = "../.."

// probeImage is the image of hack/cluster/probe, built and imported by
// TestMain.
const probeImage = "stagehand.local/probe:1"

// installTimeout bounds TestMain's installation: building the probe, the
// images' import, the apply and the waits.
const installTimeout = 5 * time.Minute

// cluster is stagehand installed on the node; skip says why the tests
// cannot run when it is nil.
var (
	cluster *nodeenv.Cluster
	skip    string
)

func TestMain(m *testing.M) {
	flag.Parse()
	// The controller-runtime client logs through its global logger, which
	// otherwise complains, with a stack trace, that it was never set.
	ctrllog.SetLogger(logr.Discard())
	os.Exit(run(m))
}

func run(m *testing.M) int {
	kubeconfig := os.Getenv(nodeenv.KubeconfigEnv)
	switch {
	case testing.Short():
		skip = "-short: the node tests need the local cluster"
	case kubeconfig == "":
		skip = nodeenv.KubeconfigEnv + " is unset: run the tests through `make test`, or `make build cluster-up` and export " +
			nodeenv.KubeconfigEnv + "=/tmp/stagehand-cluster/kubeconfig"
	}
	if skip != "" {
		return m.Run()
	}
	// The node is shared with the demo's test and the benchmarks: hold it
	// alone until the tests end (their webhook-down and rolling-restart
	// tests would break the others' pods).
	unlock, err := nodeenv.Lock(context.Background(), kubeconfig, logf)
	if err != nil {
		fmt.Fprintf(os.Stderr, "test/node: %v\n", err)
		return 1
	}
	defer unlock()
	abs, err := filepath.Abs(root)
	if err == nil {
		err = install(abs, kubeconfig)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "test/node: installing stagehand on the node: %v\n", err)
		return 1
	}
	code := m.Run()
	removeArtifacts()
	return code
}

// logf reports TestMain's progress.
func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, "test/node: "+format+"\n", args...) }

// install installs stagehand and the probe image.
func install(abs, kubeconfig string) error {
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	tmp, err := os.MkdirTemp("", "stagehand-node-test-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	probe, err := nodeenv.BuildStatic(ctx, abs, "hack/cluster/probe", tmp)
	if err == nil {
		err = nodeenv.ImportImage(ctx, abs, tmp, probe, probeImage)
	}
	if err != nil {
		return err
	}
	cluster, err = nodeenv.Install(ctx, nodeenv.Options{Root: abs, Kubeconfig: kubeconfig, Logf: logf})
	return err
}

// env returns the installed cluster, or skips the test.
func env(t *testing.T) *nodeenv.Cluster {
	t.Helper()
	if cluster == nil {
		t.Skip(skip)
	}
	return cluster
}
