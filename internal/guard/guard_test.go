package guard

import (
	"github.com/stagehand-k8s/stagehand/internal/generated"

	"flag"
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
	generated.Check(t, policyPath, want, *update, "make manifests")
}
