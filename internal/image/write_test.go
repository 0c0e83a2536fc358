package image

import (
	"debug/elf"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func TestWriteTarballReplacesAtomically(t *testing.T) {
	bin := writeFile(t, fakeELF(t, elf.EM_X86_64, false))
	img, err := Build(Spec{Binary: bin, Entrypoint: "/agent", Version: "v1", Arch: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "agent.tar")
	if err := os.WriteFile(p, []byte("stale"), 0o600); err != nil {
		t.Fatal(err)
	}
	const ref = "ghcr.io/stagehand-k8s/agent:v1"
	if err := WriteTarball(p, ref, img); err != nil {
		t.Fatalf("WriteTarball: %v", err)
	}
	tag, _ := name.NewTag(ref)
	loaded, err := tarball.ImageFromPath(p, &tag)
	if err != nil {
		t.Fatalf("load %s: %v", p, err)
	}
	want, _ := img.ConfigName()
	if got, err := loaded.ConfigName(); err != nil || got != want {
		t.Errorf("loaded image ID = %v, %v; want %v", got, err, want)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("stat %s = %v, %v; want mode 0644", p, fi, err)
	}

	// Failures leave neither the target nor a temporary file.
	if err := WriteTarball(filepath.Join(dir, "x.tar"), "Not A Ref", img); err == nil {
		t.Errorf("WriteTarball with a bad reference succeeded")
	}
	if err := WriteTarball(filepath.Join(dir, "missing", "x.tar"), ref, img); err == nil {
		t.Errorf("WriteTarball into a missing directory succeeded")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q, want only agent.tar", names)
	}
}
