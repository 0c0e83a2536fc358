package nodeenv

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"

	"github.com/stagehand-k8s/stagehand/internal/image"
)

// ImportImage packages the static binary (entrypoint at /<its base name>)
// as ref, the way `make images` does, into a tarball in tmp and imports it
// into the node's containerd with hack/cluster/import.sh of the repository
// at root. The image is then there for pods with imagePullPolicy
// IfNotPresent; nothing is pulled.
func ImportImage(ctx context.Context, root, tmp, binary, ref string) error {
	version := image.TagVersion(ref)
	if version == "" {
		return fmt.Errorf("image %s has no tag", ref)
	}
	img, err := image.Build(image.Spec{Binary: binary, Entrypoint: "/" + filepath.Base(binary), Version: version})
	if err != nil {
		return fmt.Errorf("building image %s from %s: %w", ref, binary, err)
	}
	tarball := filepath.Join(tmp, filepath.Base(binary)+".tar")
	if err := image.WriteTarball(tarball, ref, img); err != nil {
		return fmt.Errorf("writing image %s: %w", ref, err)
	}
	cmd := exec.CommandContext(ctx, filepath.Join(root, "hack", "cluster", "import.sh"), tarball)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("importing image %s: %w: %s", ref, err, out)
	}
	return nil
}

// BuildStatic builds the main package pkg (relative to root) as a static
// Linux binary into dir and returns its path, for a helper program a pod
// runs (hack/cluster/probe).
func BuildStatic(ctx context.Context, root, pkg, dir string) (string, error) {
	out := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, "./"+pkg)
	cmd.Dir = root
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w: %s", pkg, err, b)
	}
	return out, nil
}
