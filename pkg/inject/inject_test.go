package inject

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

func newPod(anns map[string]string, containers ...corev1.Container) *corev1.Pod {
	if len(containers) == 0 {
		containers = []corev1.Container{{Name: "main", Image: "busybox"}}
	}
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Annotations: anns},
		Spec:       corev1.PodSpec{Containers: containers},
	}
}

// injectPod injects what injection reads of pod.
func injectPod(t *testing.T, in *Injector, pod *corev1.Pod) (Result, error) {
	t.Helper()
	input, err := InputOf(pod)
	if err != nil {
		t.Fatal(err)
	}
	return in.Inject(input)
}

// injectChecked injects pod and checks the patch against the original JSON:
// applying it must give the injected pod, and nothing injection does not
// own may change. It returns the patched pod, nil when injection denies it.
func injectChecked(t *testing.T, in *Injector, pod *corev1.Pod) (Result, *corev1.Pod) {
	t.Helper()
	original, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	input, err := DecodeInput(original)
	if err != nil {
		t.Fatal(err)
	}
	kept := input.clone()
	res, err := in.Inject(input)
	if err != nil {
		return res, nil
	}
	if !equality.Semantic.DeepEqual(input, kept) {
		t.Fatal("Inject changed its input")
	}
	patched := original
	if len(res.Patch) > 0 {
		ops, _ := json.Marshal(res.Patch)
		p, err := jsonpatch.DecodePatch(ops)
		if err != nil {
			t.Fatalf("undecodable patch %s: %v", ops, err)
		}
		if patched, err = p.Apply(original); err != nil {
			t.Fatalf("patch %s does not apply: %v", ops, err)
		}
	}
	var got corev1.Pod
	if err := json.Unmarshal(patched, &got); err != nil {
		t.Fatal(err)
	}
	gotInput, err := DecodeInput(patched)
	if err != nil {
		t.Fatal(err)
	}
	if want := res.Pod; want != nil && !equality.Semantic.DeepEqual(gotInput, want) {
		a, _ := json.Marshal(gotInput)
		b, _ := json.Marshal(want)
		t.Fatalf("patch result differs from the injected pod:\npatched:  %s\ninjected: %s", a, b)
	}
	return res, &got
}

// normalize round-trips through JSON, so nil and empty lists compare equal.
func normalize(p *corev1.Pod) map[string]any {
	b, _ := json.Marshal(p)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func TestInjectOutcomes(t *testing.T) {
	in := New(Options{Version: "test"})
	tests := map[string]struct {
		anns    map[string]string
		outcome Outcome
	}{
		"not requested": {map[string]string{annotations.Containers: "main"}, OutcomeNotRequested},
		"opted out":     {map[string]string{annotations.Inject: "false", ATSSecret: "s"}, OutcomeOptedOut},
		"injected":      {map[string]string{ATSSecret: "s"}, OutcomeInjected},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res, _ := injectChecked(t, in, newPod(tc.anns))
			if res.Outcome != tc.outcome {
				t.Errorf("outcome = %s, want %s", res.Outcome, tc.outcome)
			}
			if (tc.outcome == OutcomeInjected) != (len(res.Patch) > 0) {
				t.Errorf("outcome %s with %d patch operations", res.Outcome, len(res.Patch))
			}
		})
	}
}

func TestInjectIsIdempotent(t *testing.T) {
	in := New(Options{Version: "test"})
	anns := map[string]string{
		ServiceAccountToken: "true", ATSConfigMap: "client-am-config",
		ATSKeytabSecret: "kt", TimelineURL: "http://ats:8188",
	}
	_, once := injectChecked(t, in, newPod(anns))
	res, twice := injectChecked(t, in, once)
	if len(res.Patch) != 0 || res.Outcome != OutcomeUnchanged {
		t.Fatalf("second injection: outcome %s, patch %v", res.Outcome, res.Patch)
	}
	if !reflect.DeepEqual(normalize(once), normalize(twice)) {
		t.Fatal("second injection changed the pod")
	}
}

func TestReinjectRemovesOnlyWhatWasInjected(t *testing.T) {
	in := New(Options{Version: "test"})
	user := corev1.Container{
		Name: "main", Image: "busybox",
		Env:          []corev1.EnvVar{{Name: "USER_VAR", Value: "1"}},
		VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}},
	}
	pod := newPod(map[string]string{ServiceAccountToken: "true", ATSSecret: "s", TimelineURL: "http://a"}, user)
	pod.Spec.Volumes = []corev1.Volume{{Name: "data"}}
	_, injected := injectChecked(t, in, pod)
	// A later webhook appends its own volume after ours.
	injected.Spec.Volumes = append(injected.Spec.Volumes, corev1.Volume{Name: "later"})
	delete(injected.Annotations, TimelineURL)
	injected.Annotations[ServiceAccountToken] = "false"
	_, again := injectChecked(t, in, injected)

	var volumes []string
	for _, v := range again.Spec.Volumes {
		volumes = append(volumes, v.Name)
	}
	if want := []string{"data", "later"}; !reflect.DeepEqual(volumes, want) {
		t.Errorf("volumes = %v, want %v", volumes, want)
	}
	c := again.Spec.Containers[0]
	if len(c.Env) != 2 || c.Env[0].Name != "USER_VAR" || c.Env[1].Name != ATSSecretKeyEnv {
		t.Errorf("env = %+v, want USER_VAR then ATS_SECRET_KEY", c.Env)
	}
	if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].Name != "data" {
		t.Errorf("mounts = %+v, want only the user's", c.VolumeMounts)
	}
	status, ok := ParseStatus(again.Annotations[annotations.Status])
	if !ok || !reflect.DeepEqual(status.Parts, []string{PartATSKey}) {
		t.Errorf("status = %+v, want parts [ats-key]", status)
	}
}

func TestInjectTargetsOnlyNamedContainers(t *testing.T) {
	in := New(Options{Version: "test"})
	pod := newPod(map[string]string{annotations.Containers: "b", ATSSecret: "s", ServiceAccountToken: "true"},
		corev1.Container{Name: "a"}, corev1.Container{Name: "b"})
	_, got := injectChecked(t, in, pod)
	if len(got.Spec.Containers[0].Env)+len(got.Spec.Containers[0].VolumeMounts) != 0 {
		t.Errorf("container a was injected: %+v", got.Spec.Containers[0])
	}
	if len(got.Spec.Containers[1].Env) != 1 || len(got.Spec.Containers[1].VolumeMounts) != 1 {
		t.Errorf("container b was not injected: %+v", got.Spec.Containers[1])
	}
}

func TestUserEnvIsKeptWithWarning(t *testing.T) {
	in := New(Options{Version: "test"})
	pod := newPod(map[string]string{ATSSecret: "s"},
		corev1.Container{Name: "main", Env: []corev1.EnvVar{{Name: ATSSecretKeyEnv, ValueFrom: &corev1.EnvVarSource{
			ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "client-am-config"}, Key: "k"}}}}})
	res, got := injectChecked(t, in, pod)
	if len(got.Spec.Containers[0].Env) != 1 || got.Spec.Containers[0].Env[0].ValueFrom.ConfigMapKeyRef == nil {
		t.Errorf("user's ATS_SECRET_KEY was changed: %+v", got.Spec.Containers[0].Env)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "already set by the pod") {
		t.Errorf("warnings = %q", res.Warnings)
	}
	status, _ := ParseStatus(got.Annotations[annotations.Status])
	if len(status.Env) != 0 {
		t.Errorf("status claims the user's env var: %+v", status.Env)
	}
}

func TestATSKeyIsAlwaysAReference(t *testing.T) {
	in := New(Options{Version: "test"})
	for _, anns := range []map[string]string{{ATSSecret: "s"}, {ATSConfigMap: "c", ATSSecretKey: "k"}} {
		res, got := injectChecked(t, in, newPod(anns))
		env := got.Spec.Containers[0].Env
		if len(env) != 1 || env[0].Value != "" || env[0].ValueFrom == nil {
			t.Errorf("ATS_SECRET_KEY = %+v, want a reference", env)
		}
		ops, _ := json.Marshal(res.Patch)
		if strings.Contains(string(ops), `"value":"`) && strings.Contains(string(ops), ATSSecretKeyEnv+`","value"`) {
			t.Errorf("patch inlines a value: %s", ops)
		}
	}
}

func TestClashesAreDeniedNamingBothSides(t *testing.T) {
	in := New(Options{Version: "test"})
	pod := newPod(map[string]string{ServiceAccountToken: "true", TokenPath: "/t", ATSKeytabSecret: "kt"},
		corev1.Container{Name: "main", VolumeMounts: []corev1.VolumeMount{{Name: "mine", MountPath: "/t"}}})
	pod.Spec.Volumes = []corev1.Volume{{Name: "mine"}, {Name: KeytabVolume}}
	_, err := injectPod(t, in, pod)
	denied, ok := err.(*Denied)
	if !ok || denied.Reason != ReasonConflict || len(denied.Errors) != 2 {
		t.Fatalf("want a conflict denial with 2 errors, got %v", err)
	}
	msg := denied.Error()
	for _, want := range []string{`"mine"`, TokenPath, `spec.volumes[1].name`, ATSKeytabSecret} {
		if !strings.Contains(msg, want) {
			t.Errorf("denial %q does not name %s", msg, want)
		}
	}
}
