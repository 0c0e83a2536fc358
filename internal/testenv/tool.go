package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Tool is a program the tests run that a make target builds (helm,
// promtool, kubectl): Find locates it once per test binary. A test that
// needs it fails without it, or is skipped under -short (`make unit` builds
// none of them).
type Tool struct {
	Find func() (string, error)
	once sync.Once
	path string
	err  error
}

// Path is the tool's absolute path, or the end of the test without it.
func (b *Tool) Path(t testing.TB) string {
	t.Helper()
	b.once.Do(func() { b.path, b.err = b.Find() })
	if b.err != nil {
		if testing.Short() {
			t.Skipf("-short: %v", b.err)
		}
		t.Fatal(b.err)
	}
	return b.path
}

// ToolPath is $env when set, else def, made absolute; an error naming the
// make target that builds it when there is no file there.
func ToolPath(env, def, target string) (string, error) {
	path := os.Getenv(env)
	if path == "" {
		path = def
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("no %s (%w): run `make %s`, or set %s", filepath.Base(def), err, target, env)
	}
	return abs, nil
}
