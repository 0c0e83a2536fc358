package generated

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder records what Check reports instead of failing the test.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Errorf(format string, a ...any) { r.errors = append(r.errors, format) }

// TestCheck: a file equal to what is generated passes, one that differs
// fails naming the command that regenerates it, and update rewrites it.
func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("a\nb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	Check(r, path, []byte("a\nb\n"), false, "make x")
	Check(r, path, []byte("a\nc\n"), false, "make x")
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "run `%s`") {
		t.Fatalf("reports %q, want one, for the file that differs", r.errors)
	}
	if got := firstDifference([]byte("a\nb\n"), []byte("a\nc\n")); !strings.Contains(got, "line 2") {
		t.Errorf("first difference %q, want line 2", got)
	}
	Check(t, path, []byte("a\nc\n"), true, "make x")
}
