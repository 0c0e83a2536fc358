// Package generated checks a file that is generated from the code (the
// annotation reference, the guard policy, the CRD and deep-copy functions)
// against what is committed, for the tests that fail on drift.
package generated

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Check fails t when the file at path is not want, showing the first line
// that differs and the command that regenerates it; with update it writes
// want there first.
func Check(t testing.TB, path string, want []byte, update bool, regenerate string) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is not what the code generates; run `%s`\n%s", path, regenerate, firstDifference(got, want))
	}
}

// firstDifference shows the first line where got and want differ.
func firstDifference(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n  file:      %q\n  generated: %q", i+1, gl, wl)
		}
	}
	return "same lines"
}
