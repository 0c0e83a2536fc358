package inject

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// mountsOf lists a container's mounts as "volume@path".
func mountsOf(c *corev1.Container) []string {
	var out []string
	for _, m := range c.VolumeMounts {
		out = append(out, m.Name+"@"+m.MountPath)
	}
	return out
}

// userTokenPod asks for the token and mounts stagehand's token volume itself,
// at its own path in the target and at stagehand's path in a sidecar that is
// not a target.
func userTokenPod(anns map[string]string) *corev1.Pod {
	pod := newPod(anns,
		corev1.Container{Name: "main", Image: "busybox", VolumeMounts: []corev1.VolumeMount{
			{Name: TokenVolume, MountPath: "/etc/token-copy", ReadOnly: true},
			{Name: "data", MountPath: "/data"},
		}},
		corev1.Container{Name: "side", Image: "busybox", VolumeMounts: []corev1.VolumeMount{
			{Name: TokenVolume, MountPath: StagehandTokenPath},
		}})
	pod.Spec.Volumes = []corev1.Volume{{Name: "data"}}
	return pod
}

// TestUserMountsOfStagehandVolumesAreTheirs: the pod's own mounts of a
// volume stagehand injects are never replaced, removed or reordered, and
// re-injection changes nothing.
func TestUserMountsOfStagehandVolumesAreTheirs(t *testing.T) {
	in := New(Options{Version: "test"})
	anns := map[string]string{ServiceAccountToken: "true", annotations.Containers: "main", ATSSecret: "s"}
	_, once := injectChecked(t, in, userTokenPod(anns))
	want := []string{TokenVolume + "@/etc/token-copy", "data@/data", TokenVolume + "@" + StagehandTokenPath}
	if got := mountsOf(&once.Spec.Containers[0]); !reflect.DeepEqual(got, want) {
		t.Fatalf("first injection: mounts %v, want %v", got, want)
	}
	res, twice := injectChecked(t, in, once)
	if len(res.Patch) != 0 || res.Outcome != OutcomeUnchanged {
		t.Fatalf("second injection: outcome %s, patch %+v", res.Outcome, res.Patch)
	}
	if err := checkValid(twice); err != nil {
		t.Fatal(err)
	}
	if got := mountsOf(&twice.Spec.Containers[0]); !reflect.DeepEqual(got, want) {
		t.Errorf("second injection: mounts %v, want %v", got, want)
	}
	if got, want := mountsOf(&twice.Spec.Containers[1]), []string{TokenVolume + "@" + StagehandTokenPath}; !reflect.DeepEqual(got, want) {
		t.Errorf("sidecar mounts %v, want %v", got, want)
	}
	status, _ := ParseStatus(twice.Annotations[annotations.Status])
	if want := map[string][]string{"main": {StagehandTokenPath}}; !reflect.DeepEqual(status.Mounts, want) {
		t.Errorf("status mounts %v, want %v", status.Mounts, want)
	}
}

// TestReinjectMovesOnlyStagehandsMount: with another token path, the
// re-injection moves stagehand's mount in place and keeps the pod's; when
// the sidecar becomes a target and main does not, stagehand's mount leaves
// main and the sidecar's own mount of the volume stays.
func TestReinjectMovesOnlyStagehandsMount(t *testing.T) {
	in := New(Options{Version: "test"})
	anns := map[string]string{ServiceAccountToken: "true", annotations.Containers: "main"}
	_, once := injectChecked(t, in, userTokenPod(anns))

	once.Annotations[TokenPath] = "/opt/token"
	_, moved := injectChecked(t, in, once)
	if got, want := mountsOf(&moved.Spec.Containers[0]), []string{TokenVolume + "@/etc/token-copy", "data@/data", TokenVolume + "@/opt/token"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after moving the token: mounts %v, want %v", got, want)
	}

	moved.Annotations[annotations.Containers] = "side"
	moved.Annotations[TokenPath] = "/opt/side-token"
	_, retargeted := injectChecked(t, in, moved)
	if got, want := mountsOf(&retargeted.Spec.Containers[0]), []string{TokenVolume + "@/etc/token-copy", "data@/data"}; !reflect.DeepEqual(got, want) {
		t.Errorf("main after retargeting: mounts %v, want %v", got, want)
	}
	if got, want := mountsOf(&retargeted.Spec.Containers[1]), []string{TokenVolume + "@" + StagehandTokenPath, TokenVolume + "@/opt/side-token"}; !reflect.DeepEqual(got, want) {
		t.Errorf("side after retargeting: mounts %v, want %v", got, want)
	}
}

// TestDroppedVolumeTheUserMountsIsDenied: when the annotations no longer ask
// for a volume the pod mounts itself, stagehand does not remove the pod's
// mount (nor leave it dangling): it denies, naming the mount.
func TestDroppedVolumeTheUserMountsIsDenied(t *testing.T) {
	in := New(Options{Version: "test"})
	anns := map[string]string{ServiceAccountToken: "true", annotations.Containers: "main", ATSSecret: "s"}
	_, once := injectChecked(t, in, userTokenPod(anns))
	delete(once.Annotations, ServiceAccountToken)
	_, err := injectPod(t, in, once)
	var d *Denied
	if !errors.As(err, &d) || d.Reason != ReasonConflict || len(d.Errors) != 2 {
		t.Fatalf("want a conflict denial naming both of the pod's mounts, got %v", err)
	}
	for _, want := range []string{"spec.containers[0].volumeMounts[0].name", "spec.containers[1].volumeMounts[0].name", TokenVolume} {
		if !strings.Contains(d.Error(), want) {
			t.Errorf("denial %q does not name %s", d.Error(), want)
		}
	}
}

// TestLegacyStatusWithoutMounts: a pod injected by a version whose status
// has no mount record. In each target container the last mount of each
// stagehand volume is stagehand's (it appended it after the pod's own), and
// every other mount is the pod's.
func TestLegacyStatusWithoutMounts(t *testing.T) {
	in := New(Options{Version: "test"})
	anns := map[string]string{ServiceAccountToken: "true", annotations.Containers: "main"}
	_, once := injectChecked(t, in, userTokenPod(anns))
	status, _ := ParseStatus(once.Annotations[annotations.Status])
	status.Mounts = nil
	legacy := status.encode(&Input{}, nil)
	if strings.Contains(legacy, "mounts") {
		t.Fatalf("legacy status %s still records mounts", legacy)
	}
	once.Annotations[annotations.Status] = legacy

	res, again := injectChecked(t, in, once)
	want := []string{TokenVolume + "@/etc/token-copy", "data@/data", TokenVolume + "@" + StagehandTokenPath}
	if got := mountsOf(&again.Spec.Containers[0]); !reflect.DeepEqual(got, want) {
		t.Errorf("mounts %v, want %v", got, want)
	}
	// The only change is the status, which now records the mount.
	if len(res.Patch) != 1 || res.Patch[0].Path != statusPointer {
		t.Errorf("patch %+v, want only the status replaced", res.Patch)
	}
	if s, _ := ParseStatus(again.Annotations[annotations.Status]); !reflect.DeepEqual(s.Mounts, map[string][]string{"main": {StagehandTokenPath}}) {
		t.Errorf("status mounts %v", s.Mounts)
	}

	// With another path, the legacy mount is moved and the pod's stay.
	once.Annotations[TokenPath] = "/opt/token"
	_, moved := injectChecked(t, in, once)
	if got, want := mountsOf(&moved.Spec.Containers[0]), []string{TokenVolume + "@/etc/token-copy", "data@/data", TokenVolume + "@/opt/token"}; !reflect.DeepEqual(got, want) {
		t.Errorf("legacy, token moved: mounts %v, want %v", got, want)
	}
	if got := mountsOf(&moved.Spec.Containers[1]); len(got) != 1 {
		t.Errorf("legacy: sidecar mounts %v, want its own one", got)
	}
}

// TestUserDuplicateEnvIsTheirs: Kubernetes allows an env var name twice.
// When the pod sets a name stagehand injected after the injection (a later
// webhook appends it), stagehand owns only the first, its own, and removes
// only that one when the name is no longer injected.
func TestUserDuplicateEnvIsTheirs(t *testing.T) {
	in := New(Options{Version: "test"})
	_, once := injectChecked(t, in, newPod(map[string]string{ATSSecret: "s", TimelineURL: "http://ats:8188"}))
	user := corev1.EnvVar{Name: TimelineURLEnv, Value: "http://mine:8188"}
	once.Spec.Containers[0].Env = append(once.Spec.Containers[0].Env, user)
	res, again := injectChecked(t, in, once)
	if len(res.Patch) != 0 {
		t.Fatalf("re-injection patched %+v", res.Patch)
	}
	delete(again.Annotations, TimelineURL)
	_, dropped := injectChecked(t, in, again)
	if env := dropped.Spec.Containers[0].Env; len(env) != 2 || env[0].Name != ATSSecretKeyEnv || env[1] != user {
		t.Errorf("env %+v, want ATS_SECRET_KEY and the pod's own %s", env, TimelineURLEnv)
	}
}
