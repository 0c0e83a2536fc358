package webhook

import (
	"net/http"
	"os"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/internal/admissiontest"
)

// reviewOf wraps a pod's JSON in an AdmissionReview as the API server
// sends it.
func reviewOf(t testing.TB, uid, namespace string, op admissionv1.Operation, raw []byte) []byte {
	t.Helper()
	body, err := admissiontest.Review(uid, namespace, op, raw)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// serveReview sends body to h and returns the response it answers with.
func serveReview(t testing.TB, h http.Handler, body []byte) *admissionv1.AdmissionResponse {
	t.Helper()
	resp, err := admissiontest.Answer(h, body)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// goldenPod is the JSON of the input of a golden case of testdata/inject.
func goldenPod(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("../../testdata/inject/" + name + ".in.yaml")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
