package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/stagehand-k8s/stagehand/internal/image"
)

func main() {
	binary := flag.String("binary", "/bin/busybox", "static busybox `binary` to package")
	ref := flag.String("ref", "", "image `reference` to tag (required)")
	out := flag.String("out", "", "image tarball to write (required)")
	flag.Parse()
	if *ref == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "busybox: --ref and --out are required")
		os.Exit(2)
	}
	if err := run(*binary, *ref, *out); err != nil {
		fmt.Fprintln(os.Stderr, "busybox:", err)
		os.Exit(1)
	}
}

func run(binary, ref, out string) error {
	bin, err := os.ReadFile(binary)
	if err != nil {
		return fmt.Errorf("read busybox: %w", err)
	}
	// The applets this build of busybox has, one path a line (bin/sh, ...).
	list, err := exec.Command(binary, "--list-full").Output()
	if err != nil {
		return fmt.Errorf("%s --list-full: %w", binary, err)
	}
	layerTar, err := layer(bin, strings.Fields(string(list)))
	if err != nil {
		return err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return fmt.Errorf("layer: %w", err)
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, MediaType: types.OCILayer})
	if err != nil {
		return fmt.Errorf("append layer: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.Architecture = runtime.GOARCH
	cf.OS = "linux"
	cf.Config = v1.Config{Cmd: []string{"sh"}, Env: []string{"PATH=" + image.DefaultPath}, WorkingDir: "/"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return image.WriteTarball(out, ref, img)
}

// layer returns the tar stream of the image's only layer. Every entry has the
// Unix epoch as its time, so the same busybox always gives the same image.
func layer(bin []byte, applets []string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0)
	add := func(h *tar.Header, body []byte) error {
		h.ModTime, h.Format = epoch, tar.FormatPAX
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("%s: %w", h.Name, err)
		}
		_, err := tw.Write(body)
		return err
	}
	file := func(name string, mode int64, body string) error {
		return add(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(body))}, []byte(body))
	}
	dirs := []struct {
		name string
		mode int64
	}{{"bin/", 0o755}, {"sbin/", 0o755}, {"usr/", 0o755}, {"usr/bin/", 0o755}, {"usr/sbin/", 0o755},
		{"etc/", 0o755}, {"root/", 0o700}, {"tmp/", image.TmpMode}, {"var/", 0o755}}
	var errs []error
	for _, d := range dirs {
		errs = append(errs, add(&tar.Header{Typeflag: tar.TypeDir, Name: d.name, Mode: d.mode}, nil))
	}
	errs = append(errs,
		add(&tar.Header{Typeflag: tar.TypeReg, Name: "bin/busybox", Mode: 0o755, Size: int64(len(bin))}, bin),
		file("etc/passwd", 0o644, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
		file("etc/group", 0o644, "root:x:0:\nnogroup:x:65534:\n"),
	)
	for _, a := range applets {
		if a == "bin/busybox" || !known(a) {
			continue
		}
		errs = append(errs, add(&tar.Header{Typeflag: tar.TypeSymlink, Name: a, Linkname: "/bin/busybox", Mode: 0o777}, nil))
	}
	errs = append(errs, tw.Close())
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	return buf.Bytes(), nil
}

// known reports whether an applet's path is in one of the directories the
// layer has.
func known(p string) bool {
	for _, d := range []string{"bin/", "sbin/", "usr/bin/", "usr/sbin/"} {
		if rest, ok := strings.CutPrefix(p, d); ok && rest != "" && !strings.Contains(rest, "/") {
			return true
		}
	}
	return false
}
