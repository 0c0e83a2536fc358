package main

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// fakeBinary writes a minimal static amd64 ELF header: enough for the
// binary checks of package image, not to run.
func fakeBinary(t *testing.T) string {
	t.Helper()
	hdr := elf.Header64{
		Type:    uint16(elf.ET_EXEC),
		Machine: uint16(elf.EM_X86_64),
		Version: uint32(elf.EV_CURRENT),
		Ehsize:  64,
	}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	hdr.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	hdr.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.LittleEndian, hdr); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "agent")
	if err := os.WriteFile(p, buf.Bytes(), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRun(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	dir := t.TempDir()
	out := filepath.Join(dir, "images", "agent.tar") // parent created by run
	lay := filepath.Join(dir, "layout")
	ref := "ghcr.io/stagehand-k8s/agent:v9.9.9"
	var stdout, stderr bytes.Buffer
	err := run([]string{"--binary", fakeBinary(t), "--entrypoint", "/agent", "--ref", ref,
		"--out", out, "--layout", lay, "--arch", "amd64"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), ref) || !strings.Contains(stdout.String(), "sha256:") {
		t.Errorf("stdout = %q, want the reference and digest", stdout.String())
	}

	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(out, &tag)
	if err != nil {
		t.Fatalf("load %s as %s: %v", out, ref, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := cf.Config.Entrypoint; len(got) != 1 || got[0] != "/agent" {
		t.Errorf("entrypoint = %q, want [/agent]", got)
	}
	if cf.Config.User != "65532:65532" || cf.Architecture != "amd64" || cf.OS != "linux" {
		t.Errorf("user %q platform %s/%s, want 65532:65532 linux/amd64", cf.Config.User, cf.OS, cf.Architecture)
	}
	if got := cf.Config.Labels["org.opencontainers.image.version"]; got != "v9.9.9" {
		t.Errorf("version label = %q, want the tag v9.9.9", got)
	}

	lp, err := layout.FromPath(lay)
	if err != nil {
		t.Fatalf("--layout: %v", err)
	}
	idx, err := lp.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil || len(im.Manifests) != 1 {
		t.Fatalf("layout index: %d manifests, %v; want 1", len(im.Manifests), err)
	}
	wantID, _ := img.ConfigName()
	li, err := lp.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := li.ConfigName(); id != wantID {
		t.Errorf("layout image ID %v, tarball image ID %v; want equal", id, wantID)
	}
}

func TestRunErrors(t *testing.T) {
	bin := fakeBinary(t)
	out := filepath.Join(t.TempDir(), "x.tar")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--entrypoint", "/agent", "--ref", "r:v1", "--out", out}, "--binary is required"},
		{[]string{"--binary", bin, "--ref", "r:v1", "--out", out}, "--entrypoint is required"},
		{[]string{"--binary", bin, "--entrypoint", "/agent", "--out", out}, "--ref is required"},
		{[]string{"--binary", bin, "--entrypoint", "/agent", "--ref", "r:v1"}, "--out is required"},
		{[]string{"--binary", bin, "--entrypoint", "/agent", "--ref", "ghcr.io/x/agent", "--out", out}, "has no tag"},
		{[]string{"--binary", bin, "--entrypoint", "agent", "--ref", "r:v1", "--out", out, "--arch", "amd64"}, "absolute"},
		{[]string{"--binary", bin, "--entrypoint", "/agent", "--ref", "r:v1", "--out", out, "--arch", "arm64"}, "architecture"},
		{[]string{"--binary", bin, "--entrypoint", "/agent", "--ref", "r:v1", "--out", out, "extra"}, "unexpected arguments"},
		{[]string{"--bogus"}, "bogus"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(tt.args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%q) error = %v, want it to contain %q", tt.args, err, tt.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed run left %s behind (stat: %v)", out, err)
	}
}
