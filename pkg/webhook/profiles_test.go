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

// failingSource is a ProfileSource that cannot be read, as the webhook's
// before its cache has synced.
type failingSource struct{}

func (failingSource) InjectionProfiles(string) ([]v1alpha1.InjectionProfile, error) {
	return nil, errNotSynced
}

// TestUnselectedPods: a pod without stagehand.io/ annotations of its own
// that no profile selects is admitted untouched and never denied, even when
// the profiles cannot be read (then with a warning) or its spec would not
// decode (it is not decoded); two profiles selecting it deny it; a pod that
// asked for injection itself is refused when the profiles cannot be read.
func TestUnselectedPods(t *testing.T) {
	selecting := func(name string) v1alpha1.InjectionProfile {
		return v1alpha1.InjectionProfile{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "hivemr3"},
			Spec: v1alpha1.InjectionProfileSpec{
				Selector:    metav1.LabelSelector{MatchLabels: map[string]string{"mr3-pod-role": "container-role"}},
				Annotations: map[string]string{inject.ServiceAccountToken: "true"},
			},
		}
	}
	injector := inject.New(inject.Options{Version: "test", AgentImage: "agent:test"})
	plain := `{"metadata":{"name":"p","labels":{"app":"x"},"annotations":{"example.com/a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}`
	for _, tt := range []struct {
		name    string
		source  ProfileSource
		pod     string
		allowed bool
		patch   bool
		message string
		warning string
	}{
		{name: "no profile in the namespace", source: profiles.Static{}, pod: plain, allowed: true},
		{name: "a profile that selects other pods", source: profiles.Static{selecting("workers")}, pod: plain, allowed: true},
		{name: "undecodable spec is never decoded", source: profiles.Static{}, allowed: true,
			pod: `{"metadata":{"name":"p"},"spec":{"containers":"not a list"}}`},
		{name: "profiles unreadable", source: failingSource{}, pod: plain, allowed: true, warning: "could not read the InjectionProfiles"},
		{name: "selected", source: profiles.Static{selecting("workers")}, allowed: true, patch: true,
			pod: `{"metadata":{"name":"p","labels":{"mr3-pod-role":"container-role"}},"spec":{"containers":[{"name":"c","image":"i"}]}}`},
		{name: "selected twice", source: profiles.Static{selecting("workers-a"), selecting("workers-b")}, message: "workers-b",
			pod: `{"metadata":{"name":"p","labels":{"mr3-pod-role":"container-role"}},"spec":{"containers":[{"name":"c","image":"i"}]}}`},
		{name: "annotated, profiles unreadable", source: failingSource{}, message: "have not been read",
			pod: `{"metadata":{"name":"p","annotations":{"stagehand.io/service-account-token":"true"}},"spec":{"containers":[{"name":"c","image":"i"}]}}`},
		{name: "stagehand's status is decoded as its own", source: failingSource{}, message: "have not been read",
			pod: `{"metadata":{"name":"p","annotations":{"stagehand.io/status":"{}"}},"spec":{"containers":[{"name":"c","image":"i"}]}}`},
		{name: "annotations not an object", source: profiles.Static{}, message: "annotations",
			pod: `{"metadata":{"name":"p","annotations":["stagehand.io/agent"]},"spec":{"containers":[{"name":"c","image":"i"}]}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := &Handler{Injector: injector, Cache: NewCache(8), Profiles: tt.source}
			resp := serveReview(t, h, reviewOf(t, "u", "hivemr3", admissionv1.Create, []byte(tt.pod)))
			if resp.Allowed != tt.allowed || (len(resp.Patch) > 0) != tt.patch {
				t.Fatalf("allowed %v with patch %q (%v), want allowed %v, patch %v", resp.Allowed, resp.Patch, resp.Result, tt.allowed, tt.patch)
			}
			if tt.message != "" && (resp.Result == nil || !strings.Contains(resp.Result.Message, tt.message)) {
				t.Errorf("result %+v, want a message naming %q", resp.Result, tt.message)
			}
			if got := strings.Join(resp.Warnings, "\n"); (tt.warning == "") != (got == "") || !strings.Contains(got, tt.warning) {
				t.Errorf("warnings %q, want %q", got, tt.warning)
			}
		})
	}
}
