package webhook

import (
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// TestDenialNamesThePod: kubectl prints a denial as `The Pod "NAME" is
// invalid`, from the status's details: the pod's name, or, for a pod a
// controller creates, the prefix of the name the API server will generate.
func TestDenialNamesThePod(t *testing.T) {
	h := &Handler{Injector: inject.New(inject.Options{Version: "test", AgentImage: "agent:test"})}
	for pod, want := range map[string]string{
		`{"metadata":{"name":"w-1","annotations":{"stagehand.io/agent":"yes"}},"spec":{"containers":[{"name":"c","image":"i","command":["x"]}]}}`:                "w-1",
		`{"metadata":{"generateName":"mr3worker-","annotations":{"stagehand.io/agent":"yes"}},"spec":{"containers":[{"name":"c","image":"i","command":["x"]}]}}`: "mr3worker-",
	} {
		resp := serveReview(t, h, reviewOf(t, "u", "ns", admissionv1.Create, []byte(pod)))
		if resp.Allowed || resp.Result == nil || resp.Result.Details == nil || resp.Result.Details.Name != want || resp.Result.Details.Kind != "Pod" {
			t.Errorf("denial %+v, want details naming Pod %q", resp.Result, want)
		}
	}
}
