package install

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func writeSource(t *testing.T, content string) string {
	t.Helper()
	source := filepath.Join(t.TempDir(), "agent-src")
	if err := os.WriteFile(source, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	return source
}

func TestInstallCopiesAtomicallyWithMode0555(t *testing.T) {
	source := writeSource(t, "binary v1")
	dir := filepath.Join(t.TempDir(), "shared", "bin")

	result, err := Install(source, dir)
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	if !result.Changed || result.Path != filepath.Join(dir, "agent") {
		t.Fatalf("result = %+v, want changed install at %s/agent", result, dir)
	}
	assertInstalled(t, result.Path, "binary v1")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("dir holds %d entries, want only agent (no temp files left)", len(entries))
	}
}

func TestInstallTwiceIsNoOp(t *testing.T) {
	source := writeSource(t, "binary v1")
	dir := t.TempDir()
	if _, err := Install(source, dir); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "agent")
	before, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}

	result, err := Install(source, dir)
	if err != nil {
		t.Fatalf("second Install: %v", err)
	}
	if result.Changed {
		t.Fatal("second install reported a change for identical content")
	}
	after, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Fatal("second install replaced the file (different inode)")
	}
	assertInstalled(t, target, "binary v1")
}

func TestInstallReplacesDifferentContent(t *testing.T) {
	dir := t.TempDir()
	if _, err := Install(writeSource(t, "binary v1"), dir); err != nil {
		t.Fatal(err)
	}
	result, err := Install(writeSource(t, "binary v2, longer"), dir)
	if err != nil {
		t.Fatal(err)
	}
	if !result.Changed {
		t.Fatal("install of new content reported no change")
	}
	assertInstalled(t, result.Path, "binary v2, longer")
	// Same size, different bytes must also be replaced.
	if _, err := Install(writeSource(t, "binary v3, longer"), dir); err != nil {
		t.Fatal(err)
	}
	assertInstalled(t, result.Path, "binary v3, longer")
}

func TestInstallFixesModeOfIdenticalFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "agent")
	if err := os.WriteFile(target, []byte("same"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Install(writeSource(t, "same"), dir); err != nil {
		t.Fatal(err)
	}
	assertInstalled(t, target, "same")
}

func TestMainInstallsRunningExecutable(t *testing.T) {
	dir := t.TempDir()
	var stderr bytes.Buffer
	if code := Main([]string{dir}, &stderr); code != ExitOK {
		t.Fatalf("Main = %d, stderr: %s", code, stderr.String())
	}
	executable, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(executable)
	if err != nil {
		t.Fatal(err)
	}
	assertInstalled(t, filepath.Join(dir, "agent"), string(want))
	if code := Main([]string{dir}, &stderr); code != ExitOK {
		t.Fatalf("second Main = %d", code)
	}
	if !bytes.Contains(stderr.Bytes(), []byte(`"changed":false`)) {
		t.Fatalf("second run did not log changed=false: %s", stderr.String())
	}
}

func TestMainUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"a", "b"}, {""}} {
		if code := Main(args, &bytes.Buffer{}); code != ExitBadInput {
			t.Errorf("Main(%q) = %d, want %d", args, code, ExitBadInput)
		}
	}
}

func assertInstalled(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s content differs from source", path)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o555 {
		t.Fatalf("%s mode = %v, want 0555", path, info.Mode().Perm())
	}
}
