package annotations

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/annotations.md from the registry")

const docsPath = "../../docs/annotations.md"

// TestDocsMatchRegistry fails when docs/annotations.md drifts from the
// registry. `make docs` regenerates it.
func TestDocsMatchRegistry(t *testing.T) {
	want := Markdown()
	if *update {
		if err := os.WriteFile(docsPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("docs/annotations.md does not match the annotation registry; run `make docs`")
	}
}

// TestRegistryComplete checks every key constant is registered exactly once
// with a description, a default, what is valid and a validator.
func TestRegistryComplete(t *testing.T) {
	constants := []string{Inject, Containers, ServiceAccountToken, TokenAudience, TokenExpiration, TokenPath,
		ATSSecret, ATSConfigMap, ATSSecretKey, ATSKeytabSecret, ATSKeytabPath, TimelineURL, Status}
	if len(Registry) != len(constants) {
		t.Errorf("registry has %d keys, the package declares %d constants", len(Registry), len(constants))
	}
	for _, c := range constants {
		k, ok := Lookup(c)
		if !ok {
			t.Errorf("%s is not in the registry", c)
			continue
		}
		if k.Description == "" || k.Default == "" || k.Valid == "" || k.Validate == nil {
			t.Errorf("%s: registry entry is incomplete: %+v", c, k)
		}
	}
}
