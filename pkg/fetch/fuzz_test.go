package fetch

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// FuzzExpandArchive feeds arbitrary bytes to the archive reader as .tar.gz
// and .zip: it must never panic, never write outside its directory, never
// leave a link pointing out of it, and never exceed its limits.
func FuzzExpandArchive(f *testing.F) {
	f.Add(fuzzTarGz(f, &tar.Header{Name: "a/b.txt", Mode: 0o644, Size: 2, Typeflag: tar.TypeReg}, "hi"), false)
	f.Add(fuzzTarGz(f, &tar.Header{Name: "../escape", Mode: 0o644, Size: 1, Typeflag: tar.TypeReg}, "x"), false)
	f.Add(fuzzTarGz(f, &tar.Header{Name: "link", Linkname: "/etc/passwd", Typeflag: tar.TypeSymlink}, ""), false)
	f.Add(fuzzZip(f, "dir/file", "content"), true)
	f.Add(fuzzZip(f, "/abs", "x"), true)
	f.Fuzz(func(t *testing.T, data []byte, isZip bool) {
		base := t.TempDir()
		archive := filepath.Join(base, "archive")
		if err := os.WriteFile(archive, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(base, "out")
		if err := os.Mkdir(out, 0o755); err != nil {
			t.Fatal(err)
		}
		root, err := os.OpenRoot(out)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		e := &expander{ctx: context.Background(), root: root, rawURI: "https://h/a", maxBytes: 1 << 20, maxFiles: 64, dirs: map[string]bool{".": true}}
		if isZip {
			err = e.expandZip(archive)
		} else {
			err = e.expandTarGz(archive)
		}
		if err == nil {
			err = e.verifySymlinks(out)
		}
		var fetchErr *Error
		if err != nil && !errors.As(err, &fetchErr) {
			t.Fatalf("error of type %T, want *Error: %v", err, err)
		}
		if e.bytes > e.maxBytes || e.files > e.maxFiles {
			t.Fatalf("limits exceeded: %d bytes, %d files", e.bytes, e.files)
		}
		entries, _ := os.ReadDir(base)
		if len(entries) != 2 {
			t.Fatalf("something was written beside the unpack directory: %v", entries)
		}
		if err != nil {
			return
		}
		_ = filepath.WalkDir(out, func(p string, d fs.DirEntry, _ error) error {
			if d != nil && d.Type()&fs.ModeSymlink != 0 {
				resolved, rerr := filepath.EvalSymlinks(p)
				if rerr != nil || !strings.HasPrefix(resolved, out+string(filepath.Separator)) && resolved != out {
					t.Fatalf("accepted archive left link %s pointing to %s", p, resolved)
				}
			}
			return nil
		})
	})
}

// FuzzReadManifest: the manifest reader must never panic, and a manifest it
// accepts has the current version.
func FuzzReadManifest(f *testing.F) {
	f.Add([]byte(`{"version":1,"completedAt":"2026-01-01T00:00:00Z","entries":[{"name":"a.jar","kind":"jar","path":"/j/a.jar","size":1,"sha256":"00","source":"https://h/a.jar"}]}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), agentapi.ManifestFileName)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := ReadManifest(path)
		if err == nil && (m == nil || m.Version != ManifestVersion) {
			t.Fatalf("accepted manifest %+v", m)
		}
	})
}

func fuzzTarGz(f *testing.F, h *tar.Header, content string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(h); err != nil {
		f.Fatal(err)
	}
	_, _ = tw.Write([]byte(content))
	_ = tw.Close()
	_ = gz.Close()
	return buf.Bytes()
}

func fuzzZip(f *testing.F, name, content string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		f.Fatal(err)
	}
	_, _ = w.Write([]byte(content))
	_ = zw.Close()
	return buf.Bytes()
}
