package guard

import (
	"flag"
	"testing"

	"github.com/stagehand-k8s/stagehand/internal/generated"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

var update = flag.Bool("update", false, "rewrite "+policyPath+" and "+profilePolicyPath+" from the injection table")

const (
	policyPath        = "../../manifests/base/validatingadmissionpolicy.yaml"
	profilePolicyPath = "../../manifests/base/validatingadmissionpolicy-profiles.yaml"
)

// TestGuardPolicyMatchesTable fails when a guard policy drifts from the
// injection table. `make manifests` regenerates them.
func TestGuardPolicyMatchesTable(t *testing.T) {
	for path, file := range map[string]func([]inject.About) ([]byte, error){policyPath: File, profilePolicyPath: ProfileFile} {
		want, err := file(inject.Injections())
		if err != nil {
			t.Fatal(err)
		}
		generated.Check(t, path, want, *update, "make manifests")
	}
}
