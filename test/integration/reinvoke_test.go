package integration

import (
	"context"
	"encoding/json"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"gomodules.xyz/jsonpatch/v2"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/webhook"
)

// The second webhook: another admission controller that, like a sidecar
// injector, runs after stagehand (configurations are called in name order)
// and changes every pod of the namespaces it selects.
const (
	otherPath   = "/mutate-other"
	otherName   = "zz-other"
	otherLabel  = "stagehand-it.example.com/other-webhook"
	otherEnv    = "OTHER_AGENT_CONFIG"
	otherVolume = "other-scratch"
)

// addOtherChange prepends an emptyDir volume and appends an env var to every
// app container, unless they are there already. Prepending shifts the index
// of stagehand's volume, which stagehand's second call must not mind.
func addOtherChange(_ context.Context, req admission.Request) admission.Response {
	var pod corev1.Pod
	if err := json.Unmarshal(req.Object.Raw, &pod); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	var ops []jsonpatch.Operation
	has := false
	for _, v := range pod.Spec.Volumes {
		has = has || v.Name == otherVolume
	}
	if !has {
		ops = append(ops, jsonpatch.Operation{Operation: "add", Path: "/spec/volumes/0",
			Value: corev1.Volume{Name: otherVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}})
		if len(pod.Spec.Volumes) == 0 {
			ops[0].Path = "/spec/volumes"
			ops[0].Value = []any{ops[0].Value}
		}
	}
	env := corev1.EnvVar{Name: otherEnv, Value: "/etc/other/agent.conf"}
	for i, c := range pod.Spec.Containers {
		has := false
		for _, e := range c.Env {
			has = has || e.Name == otherEnv
		}
		switch base := "/spec/containers/" + strconv.Itoa(i) + "/env"; {
		case has:
		case len(c.Env) == 0:
			ops = append(ops, jsonpatch.Operation{Operation: "add", Path: base, Value: []corev1.EnvVar{env}})
		default:
			ops = append(ops, jsonpatch.Operation{Operation: "add", Path: base + "/-", Value: env})
		}
	}
	return admission.Patched("", ops...)
}

// installOther installs the second webhook for namespaces labelled
// otherLabel, and removes it after the test.
func (s *suite) installOther(t *testing.T) {
	t.Helper()
	o := s.Env.Env.WebhookInstallOptions
	url := "https://" + net.JoinHostPort(o.LocalServingHost, strconv.Itoa(o.LocalServingPort)) + otherPath
	cfg := &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: otherName},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name:         "pods.other.example.com",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: o.LocalServingCAData},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"},
					Resources: []string{"pods"}, Scope: ptr.To(admissionregistrationv1.NamespacedScope)},
			}},
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{otherLabel: "true"}},
			FailurePolicy:           ptr.To(admissionregistrationv1.Fail),
			SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
			TimeoutSeconds:          ptr.To[int32](5),
			ReinvocationPolicy:      ptr.To(admissionregistrationv1.IfNeededReinvocationPolicy),
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
	if err := s.client.Create(t.Context(), cfg); err != nil {
		t.Fatalf("installing the second webhook: %v", err)
	}
	t.Cleanup(func() { _ = s.client.Delete(context.Background(), cfg) })
}

// namespaceWithOther opts a new namespace in to stagehand and to the second
// webhook, installs that webhook, and waits until the API server calls it.
func (s *suite) namespaceWithOther(t *testing.T) string {
	t.Helper()
	ns := s.newNamespace(t, map[string]string{
		annotations.NamespaceLabel: annotations.NamespaceLabelEnabled,
		otherLabel:                 "true",
	})
	s.installOther(t)
	eventually(t, "the API server to call the second webhook", func(ctx context.Context) (bool, error) {
		pod := mr3Worker("probe", mr3Annotations)
		pod.Namespace = ns
		if err := s.client.Create(ctx, pod, client.DryRunAll); err != nil {
			return false, err
		}
		return len(pod.Spec.Volumes) > 0 && pod.Spec.Volumes[0].Name == otherVolume, nil
	})
	return ns
}

// TestReinvocationAfterAnotherWebhook proves reinvocationPolicy: IfNeeded
// end to end: a later webhook changes the injected pod, the API server calls
// stagehand again, and that second call changes nothing, so the pod carries
// stagehand's injection once and the other webhook's change.
func TestReinvocationAfterAnotherWebhook(t *testing.T) {
	s := env(t)
	ns := s.namespaceWithOther(t)

	injected := webhook.AdmissionCount("allowed", string(inject.OutcomeInjected))
	unchanged := webhook.AdmissionCount("allowed", string(inject.OutcomeUnchanged))
	s.createPod(t, ns, mr3Worker("mr3-worker-1", mr3Annotations))
	pod := s.getPod(t, ns, "mr3-worker-1")

	assertCredentials(t, pod, "mr3-worker", inject.KubeletTokenPath)
	assertATSKey(t, pod, "mr3-worker", configMapKey("client-am-config", inject.DefaultATSSecretKey))
	assertStatus(t, pod, inject.PartCredentials, inject.PartATSKey)
	var volumes, envs []string
	for _, v := range pod.Spec.Volumes {
		volumes = append(volumes, v.Name)
	}
	for _, e := range container(t, pod, "mr3-worker").Env {
		envs = append(envs, e.Name)
	}
	if want := []string{otherVolume, "conf-k8s-volume", "key-k8s-volume", "work-dir-volume", inject.TokenVolume}; !slices.Equal(volumes, want) {
		t.Errorf("volumes %v, want %v", volumes, want)
	}
	if want := []string{"WORKER_ID", "POD_NAME", inject.ATSSecretKeyEnv, otherEnv}; !slices.Equal(envs, want) {
		t.Errorf("env %v, want %v", envs, want)
	}

	calls := s.calls.of(ns, "mr3-worker-1")
	if len(calls) != 2 || calls[0].Patches == 0 || !calls[1].Allowed || calls[1].Patches != 0 {
		t.Errorf("stagehand calls %+v, want two: one with a patch, then a re-invocation with none", calls)
	}
	if other := s.other.of(ns, "mr3-worker-1"); len(other) != 1 {
		t.Errorf("second webhook calls %+v, want one (stagehand's re-invocation must not change the pod)", other)
	}
	if d := webhook.AdmissionCount("allowed", string(inject.OutcomeInjected)) - injected; d != 1 {
		t.Errorf("outcome injected counted %v times, want 1", d)
	}
	if d := webhook.AdmissionCount("allowed", string(inject.OutcomeUnchanged)) - unchanged; d != 1 {
		t.Errorf("outcome unchanged counted %v times, want 1", d)
	}
}

// TestReinvocationWithAgentIsStable: after the API server defaults
// stagehand's init containers and volumes, the re-invocation still finds
// the injection equal and patches nothing, with the agent and dependencies
// injected too.
func TestReinvocationWithAgentIsStable(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, map[string]string{
		annotations.NamespaceLabel: annotations.NamespaceLabelEnabled,
		otherLabel:                 "true",
	})
	s.installOther(t)
	anns := maps.Clone(mr3Annotations)
	anns[inject.Agent] = "true"
	anns[inject.Jars] = "https://artifacts.example.com/udf.jar"
	anns[inject.DependenciesCAConfigMap] = "corp-ca"
	eventually(t, "the API server to call the second webhook", func(ctx context.Context) (bool, error) {
		pod := mr3Worker("probe", anns)
		pod.Namespace = ns
		if err := s.client.Create(ctx, pod, client.DryRunAll); err != nil {
			return false, err
		}
		return len(pod.Spec.Volumes) > 0 && pod.Spec.Volumes[0].Name == otherVolume, nil
	})
	s.createPod(t, ns, mr3Worker("mr3-worker-agent", anns))
	pod := s.getPod(t, ns, "mr3-worker-agent")
	assertStatus(t, pod, inject.PartCredentials, inject.PartATSKey, inject.PartDeps, inject.PartAgent)
	calls := s.calls.of(ns, "mr3-worker-agent")
	if len(calls) != 2 || calls[0].Patches == 0 || !calls[1].Allowed || calls[1].Patches != 0 {
		t.Errorf("stagehand calls %+v, want two: one with a patch, then a re-invocation with none", calls)
	}
}

// TestReinvocationKeepsThePodsOwnMountOfAStagehandVolume: the worker mounts
// stagehand's token volume itself, at its own path, besides the mount
// stagehand injects. The re-invocation after the second webhook leaves that
// mount alone, so the API server accepts the pod (two mounts at one path
// would be rejected) and it carries each mount exactly once.
func TestReinvocationKeepsThePodsOwnMountOfAStagehandVolume(t *testing.T) {
	s := env(t)
	ns := s.namespaceWithOther(t)
	const copyPath = "/etc/token-copy"
	withCopy := func(name string) *corev1.Pod {
		pod := mr3Worker(name, mr3Annotations)
		c := &pod.Spec.Containers[0]
		c.VolumeMounts = append([]corev1.VolumeMount{{Name: inject.TokenVolume, MountPath: copyPath, ReadOnly: true}}, c.VolumeMounts...)
		return pod
	}
	s.createPod(t, ns, withCopy("mr3-worker-copy"))
	pod := s.getPod(t, ns, "mr3-worker-copy")

	count := map[string]int{}
	for _, m := range container(t, pod, "mr3-worker").VolumeMounts {
		count[m.Name+"@"+m.MountPath]++
	}
	for _, want := range []string{inject.TokenVolume + "@" + copyPath, inject.TokenVolume + "@" + inject.KubeletTokenPath} {
		if count[want] != 1 {
			t.Errorf("mount %s is there %d times, want once: %s", want, count[want], toJSON(container(t, pod, "mr3-worker").VolumeMounts))
		}
	}
	if first := container(t, pod, "mr3-worker").VolumeMounts[0]; first.Name != inject.TokenVolume || first.MountPath != copyPath {
		t.Errorf("the pod's own mount moved: first mount is %s at %s", first.Name, first.MountPath)
	}
	assertStatus(t, pod, inject.PartCredentials, inject.PartATSKey)
	calls := s.calls.of(ns, "mr3-worker-copy")
	if len(calls) != 2 || calls[0].Patches == 0 || !calls[1].Allowed || calls[1].Patches != 0 {
		t.Errorf("stagehand calls %+v, want two: one with a patch, then a re-invocation with none", calls)
	}
}

// TestReinvocationOfAProfilePod: a pod injected only because of a profile
// carries no stagehand.io/ key but stagehand.io/status, so the API server
// reinvokes stagehand through the webhook's second entry after the later
// webhook changed it; the reinvocation changes nothing.
func TestReinvocationOfAProfilePod(t *testing.T) {
	s := env(t)
	ns := s.namespaceWithOther(t)
	if err := s.profileClient(t).Create(t.Context(), workerProfile(ns, "mr3-workers", mr3Annotations)); err != nil {
		t.Fatal(err)
	}
	s.untilPods(t, ns, "created", func(pod *corev1.Pod, err error) bool { _, ok := status(pod); return err == nil && ok })
	s.createPod(t, ns, mr3Worker("mr3worker-0a1b2c-1", nil))
	pod := s.getPod(t, ns, "mr3worker-0a1b2c-1")
	assertStatus(t, pod, inject.PartCredentials, inject.PartATSKey)
	if len(pod.Spec.Volumes) == 0 || pod.Spec.Volumes[0].Name != otherVolume {
		t.Errorf("volumes %s: the later webhook's change is missing", toJSON(pod.Spec.Volumes))
	}
	calls := s.calls.of(ns, "mr3worker-0a1b2c-1")
	if len(calls) != 2 || calls[0].Patches == 0 || !calls[1].Allowed || calls[1].Patches != 0 {
		t.Errorf("stagehand calls %+v, want two: one with a patch, then a re-invocation with none", calls)
	}
}
