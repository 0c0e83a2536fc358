package manifests

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/config"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/offline"
)

// TestOfflineMatchesCluster: every example pod injected offline, as
// `webhook inject` does with nothing configured (the shipped entrypoint map
// and agent image) and the examples' profiles, gets exactly what the
// webhook, configured by the base Deployment, gave it in the cluster: the
// same status (parts, spec hash, everything added, the profile), the same
// commands, init containers and volumes.
func TestOfflineMatchesCluster(t *testing.T) {
	s := env(t)
	profileOverlay := buildOverlay(t, examplesProfiles)
	s.applyOverlay(t, profileOverlay)
	examples := buildOverlay(t, "examples")
	s.applyOverlay(t, examples)

	var cfg config.Webhook
	if err := offline.UseShipped(&cfg); err != nil {
		t.Fatal(err)
	}
	var list []v1alpha1.InjectionProfile
	for _, u := range profileOverlay.objects {
		if u.GetKind() == "InjectionProfile" {
			p := typed[v1alpha1.InjectionProfile](t, u)
			p.Generation = s.generationOf(t, u)
			list = append(list, *p)
		}
	}
	injector := offline.Injector{Injector: inject.New(cfg.InjectOptions()), Profiles: list}
	for _, u := range examples.objects {
		if u.GetKind() != "Pod" {
			continue
		}
		doc, err := yaml.Marshal(u.Object)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if _, err := injector.Inject(bytes.NewReader(doc), &out); err != nil {
			t.Errorf("pod %s offline: %v", u.GetName(), err)
			continue
		}
		var offlinePod, clusterPod corev1.Pod
		if err := yaml.Unmarshal(out.Bytes(), &offlinePod); err != nil {
			t.Fatal(err)
		}
		if err := s.client.Get(t.Context(), client.ObjectKey{Namespace: u.GetNamespace(), Name: u.GetName()}, &clusterPod); err != nil {
			t.Fatal(err)
		}
		if got, want := offlinePod.Annotations[annotations.Status], clusterPod.Annotations[annotations.Status]; got != want || got == "" {
			t.Errorf("pod %s: offline status\n%s\ncluster status\n%s", u.GetName(), got, want)
		}
		for what, names := range map[string][2][]string{
			"init containers": {containerNames(offlinePod.Spec.InitContainers), containerNames(clusterPod.Spec.InitContainers)},
			"volumes":         {volumeNames(offlinePod.Spec.Volumes), volumeNames(clusterPod.Spec.Volumes)},
		} {
			if !sameElements(names[0], names[1]) {
				t.Errorf("pod %s: offline %s %v, cluster %v", u.GetName(), what, names[0], names[1])
			}
		}
		for i := range offlinePod.Spec.Containers {
			if got, want := offlinePod.Spec.Containers[i].Command, clusterPod.Spec.Containers[i].Command; !slices.Equal(got, want) {
				t.Errorf("pod %s container %d: offline command %q, cluster %q", u.GetName(), i, got, want)
			}
		}
	}
}

// generationOf is the generation the API server stores of an object,
// which the cluster's status records of a profile.
func (s *suite) generationOf(t *testing.T, u *unstructured.Unstructured) int64 {
	t.Helper()
	stored := &unstructured.Unstructured{}
	stored.SetGroupVersionKind(u.GroupVersionKind())
	if err := s.client.Get(t.Context(), client.ObjectKeyFromObject(u), stored); err != nil {
		t.Fatal(err)
	}
	return stored.GetGeneration()
}

// containerNames lists containers as name=image.
func containerNames(cs []corev1.Container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name+"="+c.Image)
	}
	return out
}

// volumeNames lists stagehand's volumes: the API server adds its own.
func volumeNames(vs []corev1.Volume) []string {
	var out []string
	for _, v := range vs {
		if strings.HasPrefix(v.Name, "stagehand-") {
			out = append(out, v.Name)
		}
	}
	return out
}
