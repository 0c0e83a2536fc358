package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// depServer serves dependency files from memory and counts requests.
type depServer struct {
	*httptest.Server
	files    map[string][]byte
	requests atomic.Int64
}

func newDepServer(t *testing.T, files map[string][]byte) *depServer {
	t.Helper()
	s := &depServer{files: files}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		body, ok := s.files[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

// uri is the URL of a served file, pinned to its checksum.
func (s *depServer) uri(name string) string {
	sum := sha256.Sum256(s.files[name])
	return s.URL + "/" + name + "#sha256=" + hex.EncodeToString(sum[:])
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// tarGz builds a .tar.gz holding the given files.
func tarGz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// image makes a fake image directory: files maps paths to content, and
// scripts (paths ending in .sh) are executable. entrypoint, when set, is
// the image's ENTRYPOINT.
func image(t *testing.T, files map[string]string, entrypoint string) string {
	t.Helper()
	dir := t.TempDir()
	for path, content := range files {
		full := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(path, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(full, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	if entrypoint != "" {
		if err := os.WriteFile(filepath.Join(dir, ".entrypoint"), []byte(`["`+entrypoint+`"]`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// agentImage is the agent image: the real agent binary at /agent.
func agentImage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile(agentBinary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "agent"), data, 0o555); err != nil {
		t.Fatal(err)
	}
	return dir
}
