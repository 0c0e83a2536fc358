package integration

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// tokenVolume is the projected volume stagehand injects, as the API server
// stores it: laid out like the kubelet's own ServiceAccount mount (all of
// kube-root-ca.crt is its one key, ca.crt).
func tokenVolume() corev1.Volume {
	mode := corev1.ProjectedVolumeSourceDefaultMode
	expiration := inject.DefaultTokenExpiration
	return corev1.Volume{Name: inject.TokenVolume, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		DefaultMode: &mode,
		Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: &expiration, Path: "token"}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{
				Path:     "namespace",
				FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"},
			}}}},
		},
	}}}
}

func container(t *testing.T, pod *corev1.Pod, name string) *corev1.Container {
	t.Helper()
	i := slices.IndexFunc(pod.Spec.Containers, func(c corev1.Container) bool { return c.Name == name })
	if i < 0 {
		t.Fatalf("pod %s has no container %q", pod.Name, name)
	}
	return &pod.Spec.Containers[i]
}

// assertCredentials checks the token volume once in the pod, mounted once
// at tokenPath, in the named app container and in no init container.
func assertCredentials(t *testing.T, pod *corev1.Pod, name, tokenPath string) {
	t.Helper()
	var found []corev1.Volume
	for _, v := range pod.Spec.Volumes {
		if v.Name == inject.TokenVolume {
			found = append(found, v)
		}
	}
	if len(found) != 1 {
		t.Fatalf("pod %s has %d volumes named %s, want 1: %s", pod.Name, len(found), inject.TokenVolume, toJSON(pod.Spec.Volumes))
	}
	if want := tokenVolume(); !reflect.DeepEqual(found[0], want) {
		t.Errorf("token volume:\n got %s\nwant %s", toJSON(found[0]), toJSON(want))
	}
	var mounts []corev1.VolumeMount
	for _, m := range container(t, pod, name).VolumeMounts {
		if m.Name == inject.TokenVolume {
			mounts = append(mounts, m)
		}
	}
	// Read-only without saying so: the kubelet mounts projected volumes so.
	want := corev1.VolumeMount{Name: inject.TokenVolume, MountPath: tokenPath}
	if len(mounts) != 1 || !reflect.DeepEqual(mounts[0], want) {
		t.Errorf("container %s mounts of %s: got %s, want exactly %s", name, inject.TokenVolume, toJSON(mounts), toJSON(want))
	}
	for _, c := range pod.Spec.InitContainers {
		for _, m := range c.VolumeMounts {
			if strings.HasPrefix(m.Name, "stagehand-") {
				t.Errorf("init container %s mounts %s; only app containers are injected", c.Name, m.Name)
			}
		}
	}
}

// assertATSKey checks that the container gets ATS_SECRET_KEY exactly once,
// as a reference to ref and never as a value.
func assertATSKey(t *testing.T, pod *corev1.Pod, name string, ref *corev1.EnvVarSource) {
	t.Helper()
	var found []corev1.EnvVar
	for _, e := range container(t, pod, name).Env {
		if e.Name == inject.ATSSecretKeyEnv {
			found = append(found, e)
		}
	}
	want := corev1.EnvVar{Name: inject.ATSSecretKeyEnv, ValueFrom: ref}
	if len(found) != 1 || !reflect.DeepEqual(found[0], want) {
		t.Errorf("container %s %s: got %s, want exactly %s", name, inject.ATSSecretKeyEnv, toJSON(found), toJSON(want))
	}
}

func configMapKey(name, key string) *corev1.EnvVarSource {
	return &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key}}
}

func secretKey(name, key string) *corev1.EnvVarSource {
	return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key}}
}

// assertStatus checks the stagehand.io/status annotation.
func assertStatus(t *testing.T, pod *corev1.Pod, parts ...string) {
	t.Helper()
	raw, ok := pod.Annotations[annotations.Status]
	if !ok {
		t.Fatalf("pod %s has no %s annotation; annotations: %v", pod.Name, annotations.Status, pod.Annotations)
	}
	st, ok := inject.ParseStatus(raw)
	if !ok {
		t.Fatalf("pod %s: %s is not stagehand's status: %q", pod.Name, annotations.Status, raw)
	}
	if st.Version != "test" || !slices.Equal(st.Parts, parts) {
		t.Errorf("pod %s status: version %q parts %v, want version \"test\" parts %v", pod.Name, st.Version, st.Parts, parts)
	}
}

// assertUntouched checks that nothing of stagehand's is in the pod.
func assertUntouched(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	if v, ok := pod.Annotations[annotations.Status]; ok {
		t.Errorf("pod %s carries %s=%s; it must not be injected", pod.Name, annotations.Status, v)
	}
	for _, v := range pod.Spec.Volumes {
		if strings.HasPrefix(v.Name, "stagehand-") {
			t.Errorf("pod %s has volume %s; it must not be injected", pod.Name, v.Name)
		}
	}
	for _, c := range pod.Spec.Containers {
		for _, e := range c.Env {
			if e.Name == inject.ATSSecretKeyEnv || e.Name == inject.TimelineURLEnv {
				t.Errorf("container %s has env %s; it must not be injected", c.Name, e.Name)
			}
		}
	}
}

func toJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
