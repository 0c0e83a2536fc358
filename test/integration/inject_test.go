package integration

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// mr3Annotations ask for the token and for ATS_SECRET_KEY from the ConfigMap
// where MR3 keeps it.
var mr3Annotations = map[string]string{
	inject.ServiceAccountToken: "true",
	inject.ATSConfigMap:        "client-am-config",
}

// TestLabelledNamespaceIsInjected proves the whole path: the API server
// selects the pod, our patch applies to the defaulted pod, and what is
// stored is the injection and the user's pod, unchanged otherwise.
func TestLabelledNamespaceIsInjected(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, optedIn)

	t.Run("mr3-worker", func(t *testing.T) {
		s.createPod(t, ns, mr3Worker("mr3-worker-1", mr3Annotations))
		pod := s.getPod(t, ns, "mr3-worker-1")

		// automountServiceAccountToken: false puts the token where MR3 reads it.
		assertCredentials(t, pod, "mr3-worker", inject.KubeletTokenPath)
		assertATSKey(t, pod, "mr3-worker", configMapKey("client-am-config", inject.DefaultATSSecretKey))
		assertStatus(t, pod, inject.PartCredentials, inject.PartATSKey)

		// The worker's own volumes, mounts, env and init container survive.
		want := mr3Worker("mr3-worker-1", nil)
		var names []string
		for _, v := range pod.Spec.Volumes {
			names = append(names, v.Name)
		}
		if wantNames := []string{"conf-k8s-volume", "key-k8s-volume", "work-dir-volume", inject.TokenVolume}; !slices.Equal(names, wantNames) {
			t.Errorf("volumes %v, want %v (the user's first, in order)", names, wantNames)
		}
		worker := container(t, pod, "mr3-worker")
		if !slices.Equal(worker.Command, want.Spec.Containers[0].Command) {
			t.Errorf("command %v changed", worker.Command)
		}
		for i, m := range want.Spec.Containers[0].VolumeMounts {
			if i >= len(worker.VolumeMounts) || !reflect.DeepEqual(worker.VolumeMounts[i], m) {
				t.Errorf("the worker's own mount %d changed: got %s, want %s first", i, toJSON(worker.VolumeMounts), toJSON(m))
				break
			}
		}
		if n := len(worker.Env); n != 3 || worker.Env[0].Name != "WORKER_ID" || worker.Env[1].Name != "POD_NAME" {
			t.Errorf("env %s, want WORKER_ID, POD_NAME, then %s", toJSON(worker.Env), inject.ATSSecretKeyEnv)
		}
		if len(pod.Spec.InitContainers) != 1 || len(pod.Spec.InitContainers[0].VolumeMounts) != 1 {
			t.Errorf("init containers changed: %s", toJSON(pod.Spec.InitContainers))
		}
	})

	t.Run("spark-driver-keeps-kubelet-token", func(t *testing.T) {
		s.createPod(t, ns, sparkDriver("spark-driver", map[string]string{inject.ServiceAccountToken: "true"}))
		pod := s.getPod(t, ns, "spark-driver")

		// The ServiceAccount admission plugin, which runs before webhooks,
		// mounted the kubelet's token; ours goes beside it.
		assertCredentials(t, pod, "spark-kubernetes-driver", inject.StagehandTokenPath)
		assertStatus(t, pod, inject.PartCredentials)
		var kubelet []string
		for _, m := range container(t, pod, "spark-kubernetes-driver").VolumeMounts {
			if m.MountPath == inject.KubeletTokenPath {
				kubelet = append(kubelet, m.Name)
			}
		}
		if len(kubelet) != 1 || !strings.HasPrefix(kubelet[0], "kube-api-access-") {
			t.Errorf("mounts at %s: %v, want only the kubelet's kube-api-access-* volume", inject.KubeletTokenPath, kubelet)
		}
	})
}

// TestUnlabelledNamespaceIsUntouched proves the namespaceSelector: without
// the opt-in label the webhook is not even called.
func TestUnlabelledNamespaceIsUntouched(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, map[string]string{annotations.NamespaceLabel: "disabled"})

	s.createPod(t, ns, mr3Worker("mr3-worker-1", mr3Annotations))
	assertUntouched(t, s.getPod(t, ns, "mr3-worker-1"))
	if calls := s.calls.in(ns); len(calls) != 0 {
		t.Errorf("the webhook was called for namespace %s: %+v", ns, calls)
	}
}

// TestServerSideDryRun proves that the webhook answers dry-run requests (it
// declares sideEffects: None) and that the injected pod is returned but not
// stored.
func TestServerSideDryRun(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, optedIn)

	pod := s.createPod(t, ns, mr3Worker("dry-run", mr3Annotations), client.DryRunAll)
	assertCredentials(t, pod, "mr3-worker", inject.KubeletTokenPath)
	assertATSKey(t, pod, "mr3-worker", configMapKey("client-am-config", inject.DefaultATSSecretKey))
	assertStatus(t, pod, inject.PartCredentials, inject.PartATSKey)

	var stored corev1.Pod
	err := s.client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "dry-run"}, &stored)
	if !apierrors.IsNotFound(err) {
		t.Errorf("after a dry-run create, reading the pod gave %v, want NotFound", err)
	}
	calls := s.calls.of(ns, "dry-run")
	if len(calls) != 1 || !calls[0].DryRun || calls[0].Patches == 0 {
		t.Errorf("webhook calls %+v, want one dry-run call with a patch", calls)
	}
}

// TestPodOptOut proves that stagehand.io/inject: "false" reaches the webhook
// (it is a stagehand.io/ annotation) and leaves the pod as it is.
func TestPodOptOut(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, optedIn)

	anns := map[string]string{annotations.Inject: "false", inject.ServiceAccountToken: "true"}
	s.createPod(t, ns, mr3Worker("opted-out", anns))
	assertUntouched(t, s.getPod(t, ns, "opted-out"))
	if calls := s.calls.of(ns, "opted-out"); len(calls) != 1 || !calls[0].Allowed || calls[0].Patches != 0 {
		t.Errorf("webhook calls %+v, want one that allows the pod unchanged", calls)
	}
}
