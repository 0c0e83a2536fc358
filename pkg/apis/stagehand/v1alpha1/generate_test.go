package v1alpha1

import (
	"github.com/stagehand-k8s/stagehand/internal/generated"

	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated files")

// crdPath is where the CRD lives, for kustomize.
const crdPath = "../../../../manifests/base/crd/stagehand.io_injectionprofiles.yaml"

// TestGeneratedFilesMatchTypes runs controller-gen (a tool of go.mod) on
// this package and fails when the deep-copy functions or the CRD in
// manifests/base drift from the types; `make manifests` (-update) writes
// them.
func TestGeneratedFilesMatchTypes(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command("go", "tool", "controller-gen", "object", "paths=.", "crd:crdVersions=v1",
		"output:crd:dir="+dir, "output:object:dir="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("controller-gen: %v\n%s", err, out)
	}
	for made, committed := range map[string]string{
		"zz_generated.deepcopy.go":            "zz_generated.deepcopy.go",
		"stagehand.io_injectionprofiles.yaml": crdPath,
	} {
		want, err := os.ReadFile(filepath.Join(dir, made))
		if err != nil {
			t.Fatal(err)
		}
		generated.Check(t, committed, want, *update, "make manifests")
	}
}
