package webhook

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// TestProfileValidator: a valid profile is allowed; an invalid one is
// refused with one cause per problem, each naming its field.
func TestProfileValidator(t *testing.T) {
	h := NewProfileValidator(inject.Options{})
	review := func(anns map[string]string, sel metav1.LabelSelector) *admissionv1.AdmissionResponse {
		t.Helper()
		p := v1alpha1.InjectionProfile{
			TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "InjectionProfile"},
			ObjectMeta: metav1.ObjectMeta{Name: "mr3-workers", Namespace: "hivemr3"},
			Spec:       v1alpha1.InjectionProfileSpec{Selector: sel, Annotations: anns},
		}
		raw, _ := json.Marshal(p)
		body, _ := json.Marshal(admissionv1.AdmissionReview{
			TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
			Request: &admissionv1.AdmissionRequest{UID: "u", Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw},
				Kind: metav1.GroupVersionKind{Group: "stagehand.io", Version: "v1alpha1", Kind: "InjectionProfile"}},
		})
		req := httptest.NewRequest(http.MethodPost, ProfilePath, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var out admissionv1.AdmissionReview
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Response == nil {
			t.Fatalf("answer %q: %v", rec.Body.String(), err)
		}
		return out.Response
	}
	if r := review(map[string]string{inject.Agent: "true"}, metav1.LabelSelector{MatchLabels: map[string]string{"mr3-pod-role": "container-role"}}); !r.Allowed {
		t.Fatalf("a valid profile was refused: %+v", r.Result)
	}
	r := review(map[string]string{inject.Agent: "yes", inject.TokenExpiration: "5"},
		metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Maybe"}}})
	if r.Allowed || r.Result == nil || r.Result.Code != http.StatusUnprocessableEntity || len(r.Result.Details.Causes) != 3 {
		t.Fatalf("an invalid profile: %+v, want a 422 with 3 causes", r.Result)
	}
	fields := []string{}
	for _, c := range r.Result.Details.Causes {
		fields = append(fields, c.Field)
	}
	for _, want := range []string{"spec.selector.matchExpressions[0].operator", "spec.annotations[stagehand.io/agent]", "spec.annotations[stagehand.io/token-expiration]"} {
		if !strings.Contains(strings.Join(fields, " "), want) {
			t.Errorf("causes %v do not name %s", fields, want)
		}
	}
}
