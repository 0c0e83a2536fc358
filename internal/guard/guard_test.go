package guard

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

var update = flag.Bool("update", false, "rewrite "+policyPath+" from the injection table")

const policyPath = "../../manifests/base/validatingadmissionpolicy.yaml"

// TestGuardPolicyMatchesTable fails when the guard policy drifts from the
// injection table. `make manifests` regenerates it.
func TestGuardPolicyMatchesTable(t *testing.T) {
	want, err := File(inject.Injections())
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(policyPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(policyPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("manifests/base/validatingadmissionpolicy.yaml does not match the injection table; run `make manifests`\n%s", firstDifference(got, want))
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
