package image

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/match"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// User is the numeric user and group the image runs as (distroless "nonroot").
const User = "65532:65532"

// UID and GID own the binary in the layer: root, so that the non-root user
// the image runs as can execute its entrypoint but never replace it.
const (
	UID = 0
	GID = 0
)

// BinaryMode is the mode of the binary in the layer: read and execute for all.
const BinaryMode = 0o555

// DefaultSource is the org.opencontainers.image.source label when
// [Spec.Source] is empty.
const DefaultSource = "https://github.com/stagehand-k8s/stagehand"

// DefaultPath is the PATH environment variable of the image.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// OCI annotation keys used as image labels.
const (
	LabelSource  = "org.opencontainers.image.source"
	LabelVersion = "org.opencontainers.image.version"
	LabelTitle   = "org.opencontainers.image.title"
)

// Spec describes one image.
type Spec struct {
	// Binary is the path of the static executable to package. Required.
	Binary string
	// Entrypoint is the absolute path of the binary in the image, such as
	// "/agent". Required.
	Entrypoint string
	// Version is the org.opencontainers.image.version label. Required.
	Version string
	// Title is the org.opencontainers.image.title label; the base name of
	// Entrypoint when empty.
	Title string
	// Source is the org.opencontainers.image.source label; DefaultSource
	// when empty.
	Source string
	// Arch is the image architecture in GOARCH spelling; runtime.GOARCH when
	// empty. It must match the binary's ELF machine.
	Arch string
	// Created stamps the config, the history and the layer's files; the
	// result of [SourceDateEpoch] when zero.
	Created time.Time
}

// SourceDateEpoch returns the time in the SOURCE_DATE_EPOCH environment
// variable (seconds since the Unix epoch), or the Unix epoch when it is
// unset or empty.
func SourceDateEpoch() (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want a non-negative integer", s)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// withDefaults validates s and fills in its defaults.
func (s Spec) withDefaults() (Spec, error) {
	if s.Binary == "" {
		return s, errors.New("binary path is required")
	}
	if !path.IsAbs(s.Entrypoint) || path.Clean(s.Entrypoint) != s.Entrypoint || s.Entrypoint == "/" {
		return s, fmt.Errorf("entrypoint %q: want a clean absolute file path such as /agent", s.Entrypoint)
	}
	if s.Version == "" {
		return s, errors.New("version is required")
	}
	if s.Title == "" {
		s.Title = path.Base(s.Entrypoint)
	}
	if s.Source == "" {
		s.Source = DefaultSource
	}
	if s.Arch == "" {
		s.Arch = runtime.GOARCH
	}
	if s.Created.IsZero() {
		t, err := SourceDateEpoch()
		if err != nil {
			return s, err
		}
		s.Created = t
	}
	s.Created = s.Created.UTC().Truncate(time.Second)
	return s, nil
}

// Build returns the image described by spec: an empty base plus one layer
// with the binary at spec.Entrypoint.
func Build(spec Spec) (v1.Image, error) {
	spec, err := spec.withDefaults()
	if err != nil {
		return nil, err
	}
	bin, err := os.ReadFile(spec.Binary)
	if err != nil {
		return nil, fmt.Errorf("read binary: %w", err)
	}
	if err := checkBinary(bin, spec.Arch); err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Binary, err)
	}
	layerTar, err := layerTar(bin, spec.Entrypoint, spec.Created)
	if err != nil {
		return nil, fmt.Errorf("build layer: %w", err)
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
	if err != nil {
		return nil, fmt.Errorf("build layer: %w", err)
	}

	created := v1.Time{Time: spec.Created}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History: v1.History{
			Created:   created,
			CreatedBy: "stagehand internal/image: COPY " + path.Base(spec.Binary) + " " + spec.Entrypoint,
			Comment:   "static binary on an empty base",
		},
	})
	if err != nil {
		return nil, fmt.Errorf("append layer: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.Architecture = spec.Arch
	cf.OS = "linux"
	cf.Created = created
	cf.Author = ""
	cf.Config = v1.Config{
		User:       User,
		Entrypoint: []string{spec.Entrypoint},
		WorkingDir: "/",
		Env:        []string{"PATH=" + DefaultPath},
		Labels: map[string]string{
			LabelSource:  spec.Source,
			LabelVersion: spec.Version,
			LabelTitle:   spec.Title,
		},
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("set config: %w", err)
	}
	return img, nil
}

// WriteTarball writes img to the file at p as an image tarball tagged ref
// (for example "ghcr.io/stagehand-k8s/agent:v1.2.3"). The format is the
// docker-archive one written by [tarball.Write] and read by `docker load`,
// `kind load image-archive`, crane and [tarball.ImageFromPath]; it keeps the
// config and layer blobs (so the image ID) but not the OCI manifest, which
// [WriteLayout] preserves. The file is replaced atomically.
func WriteTarball(p, ref string, img v1.Image) (err error) {
	tag, err := name.NewTag(ref)
	if err != nil {
		return fmt.Errorf("parse reference %q: %w", ref, err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write tarball: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := tarball.Write(tag, img, f); err != nil {
		return fmt.Errorf("write tarball %s: %w", p, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("write tarball %s: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write tarball %s: %w", p, err)
	}
	if err := os.Rename(f.Name(), p); err != nil {
		return fmt.Errorf("write tarball: %w", err)
	}
	return nil
}

// RefNameAnnotation is the index annotation naming an image in an OCI layout.
const RefNameAnnotation = "org.opencontainers.image.ref.name"

// WriteLayout writes img to the OCI image layout directory dir, naming it
// ref (the full reference, in the org.opencontainers.image.ref.name and
// io.containerd.image.name annotations). The layout is created if needed;
// an image already named ref is replaced, so agent and webhook can share one
// layout and rebuilding does not accumulate entries.
func WriteLayout(dir, ref string, img v1.Image) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return fmt.Errorf("parse reference %q: %w", ref, err)
	}
	lp, err := layout.FromPath(dir)
	if err != nil {
		if lp, err = layout.Write(dir, empty.Index); err != nil {
			return fmt.Errorf("create layout %s: %w", dir, err)
		}
	}
	err = lp.ReplaceImage(img, match.Annotation(RefNameAnnotation, tag.Name()),
		layout.WithAnnotations(map[string]string{
			RefNameAnnotation:          tag.Name(),
			"io.containerd.image.name": tag.Name(),
		}))
	if err != nil {
		return fmt.Errorf("write layout %s: %w", dir, err)
	}
	return nil
}

// TagVersion returns the tag of ref ("v1.2.3" for
// "ghcr.io/stagehand-k8s/agent:v1.2.3"), or "" when ref has no explicit tag.
func TagVersion(ref string) string {
	tag, err := name.NewTag(ref)
	if err != nil || !strings.Contains(path.Base(ref), ":") {
		return ""
	}
	return tag.TagStr()
}
