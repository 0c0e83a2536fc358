package fetch

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/termination"
)

// childProcessEnv makes the test binary act as `agent fetch` (see TestMain).
const childProcessEnv = "STAGEHAND_FETCH_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childProcessEnv) == "1" {
		os.Exit(Main(context.Background(), os.Args[1:], os.Stderr))
	}
	os.Exit(runTests(m))
}

// runTests runs the tests with the termination log in a temporary
// directory unless a test names its own: on a node (in a pod) the
// default path exists, and a test must not write it.
func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "stagehand-fetch-test-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	os.Setenv(termination.EnvPath, filepath.Join(dir, "termination-log"))
	return m.Run()
}

// testJob returns a job with small timeouts and delays, writing below a
// fresh temporary directory.
func testJob(t *testing.T) agentapi.Job {
	t.Helper()
	base := t.TempDir()
	return agentapi.Job{
		JarsDir:          filepath.Join(base, "jars"),
		FilesDir:         filepath.Join(base, "files"),
		Parallelism:      2,
		Timeout:          agentapi.Duration(10 * time.Second),
		ConnectTimeout:   agentapi.Duration(2 * time.Second),
		StallTimeout:     agentapi.Duration(2 * time.Second),
		MaxAttempts:      3,
		RetryBaseDelay:   agentapi.Duration(5 * time.Millisecond),
		RetryMaxDelay:    agentapi.Duration(2 * time.Second),
		ProgressInterval: agentapi.Duration(50 * time.Millisecond),
	}
}

// runJob runs job with a deadline so a hung test fails instead of blocking.
func runJob(t *testing.T, job agentapi.Job) (*Manifest, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return Run(ctx, job, nil)
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func assertExitCode(t *testing.T, err error, want int) {
	t.Helper()
	if got := ExitCode(err); got != want {
		t.Fatalf("exit code = %d, want %d (err: %v)", got, want, err)
	}
	if want != ExitOK {
		var fetchErr *Error
		if !errors.As(err, &fetchErr) {
			t.Fatalf("error %v is not a *fetch.Error", err)
		}
	}
}

func assertNotExist(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s exists (err %v), want it absent", path, err)
	}
}

func assertFileContent(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s has %d bytes, want %d bytes of expected content", path, len(got), len(want))
	}
}

// archiveEntry describes one entry of a test archive.
type archiveEntry struct {
	name     string
	content  string
	typeflag byte // tar type; zip uses symlink mode for tar.TypeSymlink
	linkname string
}

func buildTarGz(t *testing.T, entries []archiveEntry) []byte {
	t.Helper()
	var buffer bytes.Buffer
	compressed := gzip.NewWriter(&buffer)
	writer := tar.NewWriter(compressed)
	for _, entry := range entries {
		header := &tar.Header{Name: entry.name, Typeflag: entry.typeflag, Linkname: entry.linkname, Mode: 0o644}
		if header.Typeflag == 0 {
			header.Typeflag = tar.TypeReg
		}
		if header.Typeflag == tar.TypeReg {
			header.Size = int64(len(entry.content))
		}
		if header.Typeflag == tar.TypeDir {
			header.Mode = 0o755
		}
		if err := writer.WriteHeader(header); err != nil {
			t.Fatal(err)
		}
		if header.Typeflag == tar.TypeReg {
			if _, err := writer.Write([]byte(entry.content)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := writer.Close(); err != nil {
		t.Fatal(err)
	}
	if err := compressed.Close(); err != nil {
		t.Fatal(err)
	}
	return buffer.Bytes()
}

func buildZip(t *testing.T, entries []archiveEntry) []byte {
	t.Helper()
	var buffer bytes.Buffer
	writer := zip.NewWriter(&buffer)
	for _, entry := range entries {
		header := &zip.FileHeader{Name: entry.name, Method: zip.Deflate}
		content := entry.content
		switch entry.typeflag {
		case tar.TypeSymlink:
			header.SetMode(fs.ModeSymlink | 0o777)
			content = entry.linkname
		case tar.TypeDir:
			header.SetMode(fs.ModeDir | 0o755)
		default:
			header.SetMode(0o644)
		}
		file, err := writer.CreateHeader(header)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := file.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := writer.Close(); err != nil {
		t.Fatal(err)
	}
	return buffer.Bytes()
}

func newTestLogger(output *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(output, nil))
}
