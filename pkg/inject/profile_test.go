package inject

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// TestProfileMerge: a profile's annotations apply as if the pod carried
// them, the pod's own win key by key, the pod can opt out, the status
// records the profile, and a problem in a profile's key names the profile.
func TestProfileMerge(t *testing.T) {
	in := New(agentOptions)
	profile := &Profile{Name: "mr3-workers", UID: "u1", Generation: 3, Annotations: map[string]string{
		ServiceAccountToken: "true", ATSConfigMap: "client-am-config", TokenExpiration: "7200",
	}}
	inject := func(t *testing.T, own map[string]string) (Result, error) {
		t.Helper()
		pod, err := InputOf(newPod(own, corev1.Container{Name: "worker", Image: "mr3", Command: []string{"worker.sh"}}))
		if err != nil {
			t.Fatal(err)
		}
		pod.Profile = profile
		return in.Inject(pod)
	}
	t.Run("profile only", func(t *testing.T) {
		res, err := inject(t, nil)
		if err != nil {
			t.Fatal(err)
		}
		status, _ := ParseStatus(res.Pod.Metadata.Annotations[annotations.Status])
		if !slices.Equal(status.Parts, []string{PartCredentials, PartATSKey}) || status.Profile == nil || *status.Profile != (ProfileRef{Name: "mr3-workers", Generation: 3}) {
			t.Fatalf("status %+v, want credentials and ats-key from profile mr3-workers generation 3", status)
		}
		if v := res.Pod.Spec.Volumes[0].Projected.Sources[0].ServiceAccountToken.ExpirationSeconds; *v != 7200 {
			t.Errorf("expiration %d, want the profile's 7200", *v)
		}
	})
	t.Run("the pod's keys win", func(t *testing.T) {
		res, err := inject(t, map[string]string{TokenExpiration: "600", ATSConfigMap: "mine"})
		if err != nil {
			t.Fatal(err)
		}
		if v := res.Pod.Spec.Volumes[0].Projected.Sources[0].ServiceAccountToken.ExpirationSeconds; *v != 600 {
			t.Errorf("expiration %d, want the pod's 600", *v)
		}
		if got := envSourceOf(res.Pod, ATSSecretKeyEnv); got != "ConfigMap mine, key ats-secret-key" {
			t.Errorf("ATS key from %s, want the pod's ConfigMap mine", got)
		}
	})
	t.Run("the pod opts out", func(t *testing.T) {
		res, err := inject(t, map[string]string{annotations.Inject: "false"})
		if err != nil || res.Outcome != OutcomeOptedOut || len(res.Patch) != 0 {
			t.Fatalf("outcome %s, %d operations, %v; want opted out", res.Outcome, len(res.Patch), err)
		}
	})
	t.Run("errors name where the key was written", func(t *testing.T) {
		_, err := inject(t, map[string]string{ATSSecret: "s"})
		if err == nil {
			t.Fatal("ats-secret on the pod with ats-configmap in the profile was admitted")
		}
		if msg := err.Error(); !strings.Contains(msg, "injectionProfile[mr3-workers].spec.annotations[stagehand.io/ats-configmap]") {
			t.Errorf("denial %q does not name the profile's key", msg)
		}
	})
}

// TestValidateProfile: every problem of a profile at once, at
// spec.annotations[key]; unknown keys are errors; long values are fine up
// to MaxProfileValueLength; rules that need a pod wait for one.
func TestValidateProfile(t *testing.T) {
	var jars []string
	for i := range 200 {
		jars = append(jars, fmt.Sprintf("https://repo.example.com/a-very-long-name-%d.jar", i))
	}
	longJars := strings.Join(jars, ",")
	if _, errs := ValidateProfile(map[string]string{Jars: "https://repo.example.com/x.jar", annotations.Containers: "worker", ServiceAccountToken: "true"}, Options{}); len(errs) > 0 {
		t.Errorf("a valid profile: %v", errs)
	}
	_, errs := ValidateProfile(map[string]string{
		annotations.Prefix + "ats-secert": "x", ServiceAccountToken: "yes", annotations.Status: "{}", annotations.Inject: "false", ATSSecret: "s", ATSConfigMap: "c",
	}, Options{})
	want := []string{
		"spec.annotations[stagehand.io/status]: Forbidden",
		"spec.annotations[stagehand.io/inject]: Forbidden",
	}
	for _, w := range want {
		if !strings.Contains(errs.ToAggregate().Error(), w) {
			t.Errorf("errors %v do not contain %q", errs, w)
		}
	}
	_, errs = ValidateProfile(map[string]string{annotations.Prefix + "ats-secert": "x", ServiceAccountToken: "yes", ATSSecret: "s", ATSConfigMap: "c"}, Options{})
	msg := errs.ToAggregate().Error()
	for _, w := range []string{
		"spec.annotations[stagehand.io/ats-secert]: Invalid value: \"x\": unknown stagehand.io/ annotation; did you mean stagehand.io/ats-secret?",
		"spec.annotations[stagehand.io/service-account-token]: Invalid value: \"yes\": not a boolean",
		"spec.annotations[stagehand.io/ats-configmap]: Invalid value: \"c\": must not be set together with stagehand.io/ats-secret",
	} {
		if !strings.Contains(msg, w) {
			t.Errorf("errors\n%s\ndo not contain\n%s", msg, w)
		}
	}
	if len(errs) != 3 {
		t.Errorf("%d errors, want 3: %v", len(errs), errs)
	}
	// A key a profile may not carry does not hide the others' problems.
	if _, errs := ValidateProfile(map[string]string{annotations.Inject: "false", Agent: "yes", annotations.Status: "{}"}, Options{}); len(errs) != 3 {
		t.Errorf("a forbidden key, a written key and an invalid value: %v, want 3 errors", errs)
	}
	if _, errs := ValidateProfile(map[string]string{Jars: longJars}, Options{}); len(errs) > 0 {
		t.Errorf("a %d-byte jar list: %v", len(longJars), errs)
	}
	if _, errs := ValidateProfile(map[string]string{Jars: strings.Repeat("x", MaxProfileValueLength+1), "example.com/x": "y"}, Options{}); len(errs) != 2 {
		t.Errorf("a too long value and a key of another prefix: %v, want 2 errors", errs)
	}
}
