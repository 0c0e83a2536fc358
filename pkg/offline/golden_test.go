package offline

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/profiles"
)

var update = flag.Bool("update", false, "rewrite testdata/inject/*.out.yaml from the injector")

const goldenDir = "../../testdata/inject"

// goldenOptions are the injector options of every golden case.
var goldenOptions = inject.Options{
	Version:                "golden",
	AgentImage:             "registry.example.com/stagehand/agent:golden",
	AllowedDependencyHosts: []string{"*.example.com", "repo1.maven.org"},
	Entrypoints:            inject.Entrypoints{"apache/spark:*": {"/opt/entrypoint.sh"}},
}

// TestGolden injects every testdata/inject/<case>.in.yaml, with the
// InjectionProfiles of <case>.profiles.yaml when there is one, and compares
// the result, warnings and denials included, with <case>.out.yaml.
func TestGolden(t *testing.T) {
	for _, name := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			in := readFile(t, filepath.Join(goldenDir, name+".in.yaml"))
			got := render(in, goldenInjector(t, name))
			outPath := filepath.Join(goldenDir, name+".out.yaml")
			if *update {
				if err := os.WriteFile(outPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := readFile(t, outPath)
			if !bytes.Equal(got, want) {
				t.Errorf("injecting %s.in.yaml differs from %s.out.yaml (run `make golden` if the change is intended):\n--- got\n%s\n--- want\n%s", name, name, got, want)
			}
		})
	}
}

// TestGoldenIdempotent injects every golden output again: it must come back
// byte for byte, with no warnings beyond those the input already gave.
func TestGoldenIdempotent(t *testing.T) {
	for _, name := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			in := readFile(t, filepath.Join(goldenDir, name+".in.yaml"))
			injector := goldenInjector(t, name)
			var once bytes.Buffer
			if _, err := injector.Inject(bytes.NewReader(in), &once); err != nil {
				t.Skipf("denied case: %v", err)
			}
			var twice bytes.Buffer
			if _, err := injector.Inject(bytes.NewReader(once.Bytes()), &twice); err != nil {
				t.Fatalf("re-injecting the injected output was denied: %v", err)
			}
			if !bytes.Equal(once.Bytes(), twice.Bytes()) {
				t.Errorf("second injection changed the output:\n--- once\n%s\n--- twice\n%s", once.Bytes(), twice.Bytes())
			}
		})
	}
}

// goldenCases lists the cases, and fails on a golden file without input.
func goldenCases(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string]bool{}
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".in.yaml"); ok {
			inputs[name] = true
			names = append(names, name)
		}
	}
	for _, e := range entries {
		name, isOut := strings.CutSuffix(e.Name(), ".out.yaml")
		if !isOut {
			name, isOut = strings.CutSuffix(e.Name(), profilesSuffix)
		}
		switch {
		case isOut && !inputs[name]:
			t.Errorf("%s has no %s.in.yaml: delete it or add the input", e.Name(), name)
		case !isOut && !strings.HasSuffix(e.Name(), ".in.yaml"):
			t.Errorf("%s is neither <case>.in.yaml, <case>%s nor <case>.out.yaml", e.Name(), profilesSuffix)
		}
	}
	if len(names) == 0 {
		t.Fatal("no golden cases found")
	}
	return names
}

// profilesSuffix names the InjectionProfiles of a case.
const profilesSuffix = ".profiles.yaml"

// goldenInjector injects a case: with its profiles, read and validated as
// `webhook inject --profiles` reads them, when it has some.
func goldenInjector(t *testing.T, name string) *Injector {
	t.Helper()
	o := &Injector{Injector: inject.New(goldenOptions)}
	f, err := os.Open(filepath.Join(goldenDir, name+profilesSuffix))
	if errors.Is(err, fs.ErrNotExist) {
		return o
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	list, _, err := profiles.Read(f, "default", goldenOptions)
	if err != nil {
		t.Fatalf("%s%s: %v", name, profilesSuffix, err)
	}
	o.Profiles = list
	return o
}

// render is what a golden file holds: warnings and denials as comments, then
// the injected documents.
func render(in []byte, injector *Injector) []byte {
	var out, head bytes.Buffer
	warnings, err := injector.Inject(bytes.NewReader(in), &out)
	for _, w := range warnings {
		head.WriteString("# warning: " + w + "\n")
	}
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			head.WriteString("# denied: " + line + "\n")
		}
		return head.Bytes()
	}
	head.Write(out.Bytes())
	return head.Bytes()
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
