package node

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stagehand-k8s/stagehand/internal/image"
	"github.com/stagehand-k8s/stagehand/internal/nodeenv"
)

// The stand-in images the examples' tests run, built and imported as `make
// demo` builds them (internal/demo/images.go): the node has no network, so
// the real images cannot be pulled.
const (
	// timelineImage is hack/cluster/timeline, the Timeline Server stand-in
	// (the ATS v1 REST server of package timelinetest) at /timeline.
	timelineImage = "stagehand.local/timeline:1"
	// sparkImage is hack/cluster/standin at /opt/entrypoint.sh under the
	// reference of Spark's image, which the shipped entrypoint map
	// (manifests/base/configmap-entrypoints.yaml) maps to that entrypoint.
	sparkImage      = "apache/spark:3.5.3"
	sparkEntrypoint = "/opt/entrypoint.sh"
)

var standIns struct {
	once sync.Once
	err  error
}

// importStandIns builds and imports the stand-in images once for the
// package, or fails the test.
func importStandIns(t *testing.T) {
	t.Helper()
	env(t)
	standIns.once.Do(func() { standIns.err = buildStandIns() })
	if standIns.err != nil {
		t.Fatalf("the stand-in images: %v", standIns.err)
	}
}

func buildStandIns() error {
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	abs, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "stagehand-node-standins-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	timeline, err := nodeenv.BuildStatic(ctx, abs, "hack/cluster/timeline", tmp)
	if err != nil {
		return err
	}
	if err := nodeenv.ImportImage(ctx, abs, tmp, timeline, timelineImage); err != nil {
		return err
	}
	standin, err := nodeenv.BuildStatic(ctx, abs, "hack/cluster/standin", tmp)
	if err != nil {
		return err
	}
	img, err := image.Build(image.Spec{Binary: standin, Entrypoint: sparkEntrypoint, Version: image.TagVersion(sparkImage),
		Title: "stagehand node test stand-in"})
	if err != nil {
		return fmt.Errorf("building %s: %w", sparkImage, err)
	}
	tarball := filepath.Join(tmp, "spark.tar")
	if err := image.WriteTarball(tarball, sparkImage, img); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(abs, "hack", "cluster", "import.sh"), tarball)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("importing %s: %w: %s", sparkImage, err, out)
	}
	return nil
}
