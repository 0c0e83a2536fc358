package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/internal/certs"
)

// TestCheckLegacyCA: a CA left where `make certs` wrote before certs/
// existed stops `make certs` from making a new one, unless asked to; the
// demo's directory and an existing CA in certs/ are not concerned.
func TestCheckLegacyCA(t *testing.T) {
	t.Chdir(t.TempDir())
	opts := certs.Options{Dir: defaultDir}
	if err := checkLegacyCA(opts); err != nil {
		t.Fatalf("a fresh clone: %v", err)
	}
	if err := os.MkdirAll(legacyDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(legacyDir, certs.CACertFile), []byte("CA"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkLegacyCA(opts); err == nil || !strings.Contains(err.Error(), legacyDir) {
		t.Errorf("with a CA in %s: %v, want an error naming it", legacyDir, err)
	}
	for name, o := range map[string]certs.Options{
		"--new-ca":   {Dir: defaultDir, NewCA: true},
		"certs/demo": {Dir: filepath.Join(defaultDir, "demo")},
	} {
		if err := checkLegacyCA(o); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := certs.Generate(certs.Options{Service: "s", Namespace: "n", Dir: defaultDir, Validity: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := checkLegacyCA(opts); err != nil {
		t.Errorf("with a CA in certs/ already: %v", err)
	}
}
