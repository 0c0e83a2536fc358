package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/stagehand-k8s/stagehand/internal/image"
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "images:", err)
		os.Exit(1)
	}
}

// run parses args, builds the image and writes it.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("images", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var spec image.Spec
	var ref, out, layoutDir string
	fs.StringVar(&spec.Binary, "binary", "", "static `binary` to package (required)")
	fs.StringVar(&spec.Entrypoint, "entrypoint", "", "absolute `path` of the binary in the image, e.g. /agent (required)")
	fs.StringVar(&ref, "ref", "", "image `reference` to tag, e.g. ghcr.io/stagehand-k8s/agent:v1.2.3 (required)")
	fs.StringVar(&out, "out", "", "image tarball to write (required)")
	fs.StringVar(&layoutDir, "layout", "", "also write the image to this OCI layout `directory`")
	fs.StringVar(&spec.Version, "version", "", "org.opencontainers.image.version label (default: the tag of --ref)")
	fs.StringVar(&spec.Arch, "arch", "", "image architecture in GOARCH spelling (default: this machine's)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, f := range []struct{ name, value string }{
		{"binary", spec.Binary}, {"entrypoint", spec.Entrypoint}, {"ref", ref}, {"out", out},
	} {
		if f.value == "" {
			return fmt.Errorf("--%s is required", f.name)
		}
	}
	if spec.Version == "" {
		if spec.Version = image.TagVersion(ref); spec.Version == "" {
			return fmt.Errorf("--ref %q has no tag; add one or set --version", ref)
		}
	}

	img, err := image.Build(spec)
	if err != nil {
		return fmt.Errorf("build %s: %w", ref, err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	if err := image.WriteTarball(out, ref, img); err != nil {
		return err
	}
	if layoutDir != "" {
		if err := image.WriteLayout(layoutDir, ref, img); err != nil {
			return err
		}
	}
	digest, err := img.Digest()
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	id, err := img.ConfigName()
	if err != nil {
		return fmt.Errorf("image ID: %w", err)
	}
	fmt.Fprintf(stdout, "%s: %s (OCI manifest %s, image ID %s)\n", out, ref, digest, id)
	return nil
}
