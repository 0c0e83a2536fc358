package image

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// fakeELF returns a minimal little-endian ELF64 executable header for
// machine, with a PT_INTERP program header when dynamic is set. It does not
// run; it only satisfies checkBinary.
func fakeELF(t *testing.T, machine elf.Machine, dynamic bool) []byte {
	t.Helper()
	hdr := elf.Header64{
		Type:      uint16(elf.ET_EXEC),
		Machine:   uint16(machine),
		Version:   uint32(elf.EV_CURRENT),
		Ehsize:    64,
		Phentsize: 56,
	}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	hdr.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	hdr.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	var progs []elf.Prog64
	if dynamic {
		progs = append(progs, elf.Prog64{Type: uint32(elf.PT_INTERP)})
		hdr.Phoff = 64
		hdr.Phnum = 1
	}
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.LittleEndian, hdr); err != nil {
		t.Fatal(err)
	}
	for _, p := range progs {
		if err := binary.Write(&buf, binary.LittleEndian, p); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func writeFile(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(p, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBuildChecksBinary(t *testing.T) {
	static := fakeELF(t, elf.EM_X86_64, false)
	tests := []struct {
		name string
		data []byte
		arch string
		want string
	}{
		{"static", static, "amd64", ""},
		{"dynamic", fakeELF(t, elf.EM_X86_64, true), "amd64", "dynamically linked"},
		{"wrong arch", static, "arm64", "image architecture is arm64"},
		{"arm64", fakeELF(t, elf.EM_AARCH64, false), "arm64", ""},
		{"script", []byte("#!/bin/sh\necho hi\n"), "amd64", "not an ELF executable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(Spec{Binary: writeFile(t, tt.data), Entrypoint: "/agent", Version: "v1", Arch: tt.arch})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Build: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Build error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	_, err := Build(Spec{Binary: writeFile(t, fakeELF(t, elf.EM_X86_64, true)), Entrypoint: "/agent", Version: "v1", Arch: "amd64"})
	if !errors.Is(err, ErrNotStatic) {
		t.Errorf("dynamic binary: error %v, want ErrNotStatic", err)
	}
}

func TestBuildValidatesSpec(t *testing.T) {
	bin := writeFile(t, fakeELF(t, elf.EM_X86_64, false))
	for _, s := range []Spec{
		{Entrypoint: "/agent", Version: "v1"},
		{Binary: bin, Entrypoint: "agent", Version: "v1"},
		{Binary: bin, Entrypoint: "/", Version: "v1"},
		{Binary: bin, Entrypoint: "/bin/../agent", Version: "v1"},
		{Binary: bin, Entrypoint: "/agent/", Version: "v1"},
		{Binary: bin, Entrypoint: "/agent"},
		{Binary: filepath.Join(t.TempDir(), "missing"), Entrypoint: "/agent", Version: "v1"},
	} {
		s.Arch = "amd64"
		if _, err := Build(s); err == nil {
			t.Errorf("Build(%+v) succeeded, want an error", s)
		}
	}
}

func TestNestedEntrypoint(t *testing.T) {
	bin := writeFile(t, fakeELF(t, elf.EM_X86_64, false))
	img, err := Build(Spec{Binary: bin, Entrypoint: "/usr/local/bin/agent", Version: "v1", Arch: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers = %d, %v; want 1", len(layers), err)
	}
	files := readLayer(t, layers[0])
	for _, d := range []string{"usr/", "usr/local/", "usr/local/bin/", "tmp/"} {
		f, ok := files[d]
		if !ok || !f.hdr.FileInfo().IsDir() {
			t.Errorf("layer has no directory %s; entries: %v", d, keys(files))
		}
	}
	if f := files["usr/local/bin/agent"]; f.hdr == nil || f.hdr.Mode != 0o555 || f.hdr.Uid != UID {
		t.Errorf("usr/local/bin/agent = %+v, want mode 0555 owned by %d", f.hdr, UID)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := cf.Config.Labels[LabelTitle]; got != "agent" {
		t.Errorf("title label = %q, want agent", got)
	}
}

func TestCreated(t *testing.T) {
	bin := writeFile(t, fakeELF(t, elf.EM_X86_64, false))
	spec := Spec{Binary: bin, Entrypoint: "/agent", Version: "v1", Arch: "amd64"}
	digest := func() string {
		t.Helper()
		img, err := Build(spec)
		if err != nil {
			t.Fatal(err)
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d.String()
	}

	t.Setenv("SOURCE_DATE_EPOCH", "")
	epoch := digest()
	if again := digest(); again != epoch {
		t.Errorf("digests differ across builds: %s, %s", epoch, again)
	}

	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	sde := digest()
	if sde == epoch {
		t.Errorf("SOURCE_DATE_EPOCH did not change the digest")
	}
	img, err := Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	want := time.Unix(1700000000, 0)
	if !cf.Created.Time.Equal(want) || !cf.History[0].Created.Time.Equal(want) {
		t.Errorf("created = %v, history %v; want %v", cf.Created.Time, cf.History[0].Created.Time, want)
	}
	layers, _ := img.Layers()
	for n, f := range readLayer(t, layers[0]) {
		if !f.hdr.ModTime.Equal(want) {
			t.Errorf("%s mtime = %v, want %v", n, f.hdr.ModTime, want)
		}
	}

	// An explicit Created wins over the environment.
	spec.Created = time.Unix(0, 0)
	if got := digest(); got != epoch {
		t.Errorf("Created=epoch digest %s, want %s", got, epoch)
	}

	t.Setenv("SOURCE_DATE_EPOCH", "yesterday")
	spec.Created = time.Time{}
	if _, err := Build(spec); err == nil {
		t.Errorf("SOURCE_DATE_EPOCH=yesterday: Build succeeded, want an error")
	}
}

func TestWriteLayout(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("fake binary is amd64")
	}
	bin := writeFile(t, fakeELF(t, elf.EM_X86_64, false))
	img, err := Build(Spec{Binary: bin, Entrypoint: "/agent", Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	for range 2 { // creating, then appending
		if err := WriteLayout(dir, "ghcr.io/stagehand-k8s/agent:v1", img); err != nil {
			t.Fatalf("WriteLayout: %v", err)
		}
	}
	other, err := Build(Spec{Binary: bin, Entrypoint: "/webhook", Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteLayout(dir, "ghcr.io/stagehand-k8s/webhook:v1", other); err != nil {
		t.Fatalf("WriteLayout: %v", err)
	}
	lp, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := lp.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 2 {
		t.Fatalf("layout index has %d manifests, want 2 (agent replaced, webhook added)", len(im.Manifests))
	}
	want, _ := img.Digest()
	got, err := lp.Image(want)
	if err != nil {
		t.Fatalf("layout has no agent image %v: %v", want, err)
	}
	if d, _ := got.Digest(); d != want || im.Manifests[0].Annotations[RefNameAnnotation] != "ghcr.io/stagehand-k8s/agent:v1" {
		t.Errorf("layout agent = %v %v, want %v named ghcr.io/stagehand-k8s/agent:v1", d, im.Manifests[0].Annotations, want)
	}
}

func TestTagVersion(t *testing.T) {
	for ref, want := range map[string]string{
		"ghcr.io/stagehand-k8s/agent:v1.2.3": "v1.2.3",
		"localhost:5000/agent:dev":           "dev",
		"localhost:5000/agent":               "",
		"ghcr.io/stagehand-k8s/agent":        "",
		"Not A Ref":                          "",
	} {
		if got := TagVersion(ref); got != want {
			t.Errorf("TagVersion(%q) = %q, want %q", ref, got, want)
		}
	}
}
