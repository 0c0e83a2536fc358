package manifests

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/internal/certs"
)

// tracked are the only files of certs/ in git; everything else there is
// written by hack/certs and must be ignored.
var tracked = []string{"README.md", certsKustomization}

// TestCertsDirectory: certs/README.md says what each file hack/certs
// writes is, and git tracks only the README and the kustomization of
// certs/, ignoring every key and certificate of `make certs` and `make
// demo` (temporary files of an interrupted run included).
func TestCertsDirectory(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(certsDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range append(slices.Clone(certs.Files), certsKustomization, "demo/") {
		if !strings.Contains(string(readme), "`"+name+"`") {
			t.Errorf("certs/README.md does not say what `%s` is", name)
		}
	}

	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	git := func(args ...string) (string, error) {
		out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).Output()
		return strings.TrimSpace(string(out)), err
	}
	if _, err := git("rev-parse", "--is-inside-work-tree"); err != nil {
		t.Skipf("not a git work tree: %v", err)
	}
	files, err := git("ls-files", "--", "certs")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, name := range tracked {
		want = append(want, "certs/"+name)
	}
	if got := strings.Fields(files); !sameElements(got, want) {
		t.Errorf("git tracks %v in certs/, want only %v", got, want)
	}
	for _, name := range tracked {
		if _, err := git("check-ignore", "--no-index", "-q", "certs/"+name); err == nil {
			t.Errorf(".gitignore ignores certs/%s", name)
		}
	}
	var generated []string
	for _, name := range certs.Files {
		generated = append(generated, "certs/"+name, "certs/demo/"+name, "certs/."+name+".123456")
	}
	for _, path := range generated {
		if _, err := git("check-ignore", "--no-index", "-q", path); err != nil {
			t.Errorf(".gitignore does not ignore %s: %v", path, err)
		}
	}
}
