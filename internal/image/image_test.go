package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// testVersion is linked into the binaries built by buildBinaries.
const testVersion = "v0.0.0-imagetest"

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// buildBinaries builds the static agent (and, unless -short, webhook)
// binaries once per test process, the way `make build` does.
func buildBinaries(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			buildErr = err
			return
		}
		// Not t.TempDir: the binaries outlive the first test that asks.
		if buildDir, buildErr = os.MkdirTemp("", "stagehand-image-test-"); buildErr != nil {
			return
		}
		pkgs := []string{"./cmd/agent"}
		if !testing.Short() {
			pkgs = append(pkgs, "./cmd/webhook")
		}
		args := append([]string{"build", "-trimpath", "-o", buildDir + string(filepath.Separator),
			"-ldflags", "-s -w -X github.com/stagehand-k8s/stagehand/pkg/version.Version=" + testVersion}, pkgs...)
		cmd := exec.Command(goTool, args...)
		cmd.Dir = filepath.Join("..", "..")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = errors.New(err.Error() + "\n" + string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v", buildErr)
	}
	return buildDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

func TestBinaryImages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the image runs linux binaries")
	}
	for _, name := range []string{"agent", "webhook"} {
		t.Run(name, func(t *testing.T) {
			if name == "webhook" && testing.Short() {
				t.Skip("-short: the webhook build is slow on a cold cache")
			}
			testBinaryImage(t, filepath.Join(buildBinaries(t), name), "/"+name)
		})
	}
}

func testBinaryImage(t *testing.T, binary, entrypoint string) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	want, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	ref := "ghcr.io/stagehand-k8s/" + filepath.Base(binary) + ":" + testVersion
	spec := Spec{Binary: binary, Entrypoint: entrypoint, Version: testVersion}
	tarPath := writeImage(t, spec, ref)

	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(tarPath, &tag)
	if err != nil {
		t.Fatalf("load %s: %v", tarPath, err)
	}

	// The docker-archive tarball keeps the config and layers byte for byte
	// (the loader synthesizes a Docker manifest), so the image ID matches.
	built, err := Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	if mt, err := built.MediaType(); err != nil || mt != types.OCIManifestSchema1 {
		t.Errorf("manifest media type = %q, %v; want %q", mt, err, types.OCIManifestSchema1)
	}
	builtID, err := built.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	if id, err := img.ConfigName(); err != nil || id != builtID {
		t.Errorf("loaded image ID = %v, %v; want %v", id, err, builtID)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if c.User != "65532:65532" {
		t.Errorf("config user = %q, want 65532:65532 (non-root)", c.User)
	}
	if len(c.Entrypoint) != 1 || c.Entrypoint[0] != entrypoint {
		t.Errorf("entrypoint = %q, want [%s]", c.Entrypoint, entrypoint)
	}
	if c.WorkingDir != "/" {
		t.Errorf("working dir = %q, want /", c.WorkingDir)
	}
	if len(c.Env) != 1 || !strings.HasPrefix(c.Env[0], "PATH=/") {
		t.Errorf("env = %q, want one PATH entry", c.Env)
	}
	wantLabels := map[string]string{
		LabelSource:  DefaultSource,
		LabelVersion: testVersion,
		LabelTitle:   filepath.Base(binary),
	}
	for k, v := range wantLabels {
		if c.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, c.Labels[k], v)
		}
	}
	if cf.Architecture != runtime.GOARCH || cf.OS != "linux" {
		t.Errorf("platform = %s/%s, want linux/%s", cf.OS, cf.Architecture, runtime.GOARCH)
	}
	if !cf.Created.Time.Equal(time.Unix(0, 0)) {
		t.Errorf("created = %v, want the Unix epoch", cf.Created.Time)
	}

	// Exactly one layer, holding the binary.
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("image has %d layers, want 1", len(layers))
	}
	if len(cf.RootFS.DiffIDs) != 1 || len(cf.History) != 1 {
		t.Errorf("config has %d diff IDs and %d history entries, want 1 and 1", len(cf.RootFS.DiffIDs), len(cf.History))
	}
	files := readLayer(t, layers[0])
	f, ok := files[strings.TrimPrefix(entrypoint, "/")]
	if !ok {
		t.Fatalf("layer has no %s; entries: %v", entrypoint, keys(files))
	}
	if f.hdr.Typeflag != tar.TypeReg || f.hdr.Mode != 0o555 {
		t.Errorf("%s: type %q mode %#o, want a regular file with mode 0555", entrypoint, f.hdr.Typeflag, f.hdr.Mode)
	}
	if f.hdr.Uid != 0 || f.hdr.Gid != 0 {
		t.Errorf("%s: owner %d:%d, want root, so the non-root user cannot replace it", entrypoint, f.hdr.Uid, f.hdr.Gid)
	}
	if !bytes.Equal(f.data, want) {
		t.Errorf("%s in the layer differs from %s", entrypoint, binary)
	}
	if tmp, ok := files["tmp/"]; !ok || tmp.hdr.Mode != TmpMode {
		t.Errorf("layer /tmp = %+v (present %v), want a directory with mode 01777", tmp.hdr, ok)
	}

	// Reproducible: a second build has the same digest, and a second
	// tarball the same bytes.
	again, err := Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	d1, err := built.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if d2, err := again.Digest(); err != nil || d2 != d1 {
		t.Errorf("rebuilt digest = %v, %v; want %v", d2, err, d1)
	}
	tarAgain := writeImage(t, spec, ref)
	a, _ := os.ReadFile(tarPath)
	b, _ := os.ReadFile(tarAgain)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("two tarballs of the same binary differ (%d and %d bytes)", len(a), len(b))
	}
	builtLayers, err := built.Layers()
	if err != nil || len(builtLayers) != 1 {
		t.Fatalf("built image has %d layers, %v; want 1", len(builtLayers), err)
	}
	if ml, err := builtLayers[0].MediaType(); err != nil || ml != types.OCILayer {
		t.Errorf("layer media type = %q, %v; want %q", ml, err, types.OCILayer)
	}

	// The image runs: the binary extracted from the layer prints its version.
	exe := filepath.Join(t.TempDir(), filepath.Base(entrypoint))
	if err := os.WriteFile(exe, f.data, 0o555); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(exe, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s version: %v\n%s", entrypoint, err, out)
	}
	if !strings.Contains(string(out), testVersion) {
		t.Errorf("%s version = %q, want it to contain %q", entrypoint, out, testVersion)
	}
}

// writeImage builds spec and writes it to a new tarball tagged ref.
func writeImage(t *testing.T, spec Spec, ref string) string {
	t.Helper()
	img, err := Build(spec)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	p := filepath.Join(t.TempDir(), "image.tar")
	if err := WriteTarball(p, ref, img); err != nil {
		t.Fatalf("WriteTarball: %v", err)
	}
	return p
}

type layerFile struct {
	hdr  *tar.Header
	data []byte
}

// readLayer returns the entries of l's uncompressed tar stream by name.
func readLayer(t *testing.T, l v1.Layer) map[string]layerFile {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	files := map[string]layerFile{}
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatalf("read layer: %v", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("read layer %s: %v", hdr.Name, err)
		}
		if _, dup := files[hdr.Name]; dup {
			t.Errorf("layer has %s twice", hdr.Name)
		}
		files[hdr.Name] = layerFile{hdr: hdr, data: data}
	}
}

func keys(m map[string]layerFile) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
