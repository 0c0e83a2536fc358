package webhook

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stagehand-k8s/stagehand/internal/admissiontest"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/profiles"
)

// TestProfileIsPartOfTheKey: one pod, admitted through one cached handler
// while its profile changes, gets the answer of the profile of the moment,
// never a cached answer of an earlier one; a pod no profile selects is
// left alone; a pod whose labels do not decode is unreadable.
func TestProfileIsPartOfTheKey(t *testing.T) {
	profile := func(generation int64, anns map[string]string) v1alpha1.InjectionProfile {
		return v1alpha1.InjectionProfile{
			ObjectMeta: metav1.ObjectMeta{Name: "mr3-workers", Namespace: "hivemr3", Generation: generation},
			Spec: v1alpha1.InjectionProfileSpec{
				Selector:    metav1.LabelSelector{MatchLabels: map[string]string{"mr3-pod-role": "container-role"}},
				Annotations: anns,
			},
		}
	}
	source := profiles.Static{profile(1, map[string]string{inject.ServiceAccountToken: "true"})}
	h := &Handler{Injector: inject.New(inject.Options{Version: "test", AgentImage: "agent:test"}), Cache: NewCache(8), Profiles: &source}
	worker := []byte(`{"metadata":{"name":"mr3worker-1","labels":{"mr3-pod-role":"container-role"}},"spec":{"containers":[{"name":"w","image":"mr3","command":["run"]}]}}`)
	admit := func(pod []byte) string {
		t.Helper()
		rec := admissiontest.Serve(h, reviewOf(t, "u", "hivemr3", admissionv1.Create, pod))
		var out admissionv1.AdmissionReview
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Response == nil {
			t.Fatalf("answer %q: %v", rec.Body.String(), err)
		}
		if out.Response.Result != nil {
			return out.Response.Result.Message
		}
		return string(out.Response.Patch)
	}
	first := admit(worker)
	if !strings.Contains(first, inject.TokenVolume) || !strings.Contains(first, `\"profile\":{\"name\":\"mr3-workers\",\"generation\":1}`) {
		t.Fatalf("the worker was not injected from its profile: %s", first)
	}
	source[0] = profile(2, map[string]string{inject.ATSSecret: "ats"})
	second := admit(worker)
	if strings.Contains(second, inject.TokenVolume) || !strings.Contains(second, inject.ATSSecretKeyEnv) || !strings.Contains(second, `\"generation\":2`) {
		t.Fatalf("after the profile changed, the answer is not the new profile's: %s", second)
	}
	if other := admit(bytes.Replace(worker, []byte("container-role"), []byte("master-role"), 1)); other != "" {
		t.Errorf("a pod no profile selects got %q, want no patch", other)
	}
	if bad := admit(bytes.Replace(worker, []byte(`{"mr3-pod-role":"container-role"}`), []byte(`["x"]`), 1)); !strings.Contains(bad, "labels") {
		t.Errorf("a pod whose labels do not decode got %q, want an error naming its labels", bad)
	}
}
