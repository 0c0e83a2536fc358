package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// crdPath is the InjectionProfile CRD, generated into manifests/base/crd.
const crdPath = "../../manifests/base/crd"

// propagationTimeout bounds how long a profile change may take to reach
// pods created after it; docs/profiles.md states the measured figure.
const propagationTimeout = 5 * time.Second

// profileClient is a client that knows InjectionProfiles.
func (s *suite) profileClient(t *testing.T) client.Client {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(s.Env.Env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// workerProfile selects MR3 ContainerWorkers, as DAGAppMaster labels them.
func workerProfile(namespace, name string, anns map[string]string) *v1alpha1.InjectionProfile {
	return &v1alpha1.InjectionProfile{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: v1alpha1.InjectionProfileSpec{
			Selector:    metav1.LabelSelector{MatchLabels: map[string]string{"mr3-pod-role": "container-role"}},
			Annotations: anns,
		},
	}
}

// status returns the pod's parsed stagehand.io/status, ok false without.
func status(pod *corev1.Pod) (inject.Status, bool) {
	raw, ok := pod.Annotations[annotations.Status]
	if !ok {
		return inject.Status{}, false
	}
	return inject.ParseStatus(raw)
}

// untilPods dry-runs the creation of new unannotated ContainerWorkers until
// want holds of one, and returns it and how long it took.
func (s *suite) untilPods(t *testing.T, ns, what string, want func(*corev1.Pod, error) bool) (*corev1.Pod, time.Duration) {
	t.Helper()
	start := time.Now()
	var pod *corev1.Pod
	var last error
	err := wait.PollUntilContextTimeout(t.Context(), 10*time.Millisecond, propagationTimeout, true, func(ctx context.Context) (bool, error) {
		pod = mr3Worker("mr3worker-1f2e3d-1", nil)
		pod.Namespace = ns
		last = s.client.Create(ctx, pod, client.DryRunAll)
		return want(pod, last), nil
	})
	if err != nil {
		t.Fatalf("pods created after the profile was %s: never as expected within %v (last error %v, last pod annotations %v)",
			what, propagationTimeout, last, pod.Annotations)
	}
	took := time.Since(start)
	t.Logf("RELIABILITY profile-propagation change=%s after=%s", what, took.Round(time.Millisecond))
	return pod, took
}

// TestProfilesApplyToLaterPods: an MR3 ContainerWorker created exactly as
// DAGAppMaster creates it, without any stagehand annotation, is injected
// because of the profile of its namespace; a change of the profile, and
// its deletion, apply to the pods created afterwards.
func TestProfilesApplyToLaterPods(t *testing.T) {
	s := env(t)
	c := s.profileClient(t)
	ns := s.newNamespace(t, optedIn)

	p := workerProfile(ns, "mr3-workers", map[string]string{
		inject.ServiceAccountToken: "true",
		inject.ATSConfigMap:        "client-am-config",
		inject.Agent:               "true",
	})
	if err := c.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	s.untilPods(t, ns, "created", func(pod *corev1.Pod, err error) bool {
		st, ok := status(pod)
		return err == nil && ok && st.Profile != nil && st.Profile.Name == "mr3-workers"
	})
	pod := s.createPod(t, ns, mr3Worker("mr3worker-1f2e3d-2", nil))
	assertStatus(t, pod, "credentials", "ats-key", "agent")
	if st, _ := status(pod); st.Profile == nil || st.Profile.Generation != 1 {
		t.Errorf("status records profile %+v, want mr3-workers generation 1", st.Profile)
	}
	assertATSKey(t, pod, "mr3-worker", configMapKey("client-am-config", inject.DefaultATSSecretKey))

	p.Spec.Annotations = map[string]string{inject.ServiceAccountToken: "true"}
	if err := c.Update(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	pod, _ = s.untilPods(t, ns, "updated", func(pod *corev1.Pod, err error) bool {
		st, ok := status(pod)
		return err == nil && ok && st.Profile != nil && st.Profile.Generation == 2
	})
	assertStatus(t, pod, "credentials")

	if err := c.Delete(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	pod, _ = s.untilPods(t, ns, "deleted", func(pod *corev1.Pod, err error) bool {
		_, ok := status(pod)
		return err == nil && !ok
	})
	assertUntouched(t, pod)
}

// TestPodKeysOverrideProfile: a pod's own key wins over the profile's, and
// stagehand.io/inject: "false" opts the pod out.
func TestPodKeysOverrideProfile(t *testing.T) {
	s := env(t)
	c := s.profileClient(t)
	ns := s.newNamespace(t, optedIn)
	if err := c.Create(t.Context(), workerProfile(ns, "mr3-workers", map[string]string{
		inject.ServiceAccountToken: "true", inject.Agent: "true",
	})); err != nil {
		t.Fatal(err)
	}
	s.untilPods(t, ns, "created", func(pod *corev1.Pod, err error) bool { _, ok := status(pod); return err == nil && ok })
	pod := s.createPod(t, ns, mr3Worker("no-agent", map[string]string{inject.Agent: "false"}))
	assertStatus(t, pod, "credentials")
	pod = s.createPod(t, ns, mr3Worker("opted-out", map[string]string{annotations.Inject: "false"}))
	assertUntouched(t, pod)
}

// TestOverlappingProfilesDeny: a pod two profiles select is refused, with
// a message naming both.
func TestOverlappingProfilesDeny(t *testing.T) {
	s := env(t)
	c := s.profileClient(t)
	ns := s.newNamespace(t, optedIn)
	for _, name := range []string{"workers-a", "workers-b"} {
		if err := c.Create(t.Context(), workerProfile(ns, name, map[string]string{inject.ServiceAccountToken: "true"})); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = s.untilPods(t, ns, "created twice", func(_ *corev1.Pod, err error) bool {
		return err != nil && containsAll(err.Error(), "workers-a", "workers-b")
	})
}

// TestUnselectedPodsUntouched: in a namespace with a profile, a pod that
// neither carries stagehand.io/ annotations nor is selected is answered
// untouched, and is still created while the webhook is down; a pod that
// asked for injection itself is not.
func TestUnselectedPodsUntouched(t *testing.T) {
	s := env(t)
	c := s.profileClient(t)
	ns := s.newNamespace(t, optedIn)
	executors := &v1alpha1.InjectionProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "spark-executors", Namespace: ns},
		Spec: v1alpha1.InjectionProfileSpec{
			Selector:    metav1.LabelSelector{MatchLabels: map[string]string{"spark-role": "executor"}},
			Annotations: map[string]string{inject.ServiceAccountToken: "true"},
		},
	}
	if err := c.Create(t.Context(), executors); err != nil {
		t.Fatal(err)
	}
	pod := s.createPod(t, ns, mr3Worker("unselected", nil))
	assertUntouched(t, pod)
	calls := s.calls.of(ns, "unselected")
	if len(calls) != 1 || !calls[0].Allowed || calls[0].Patches != 0 {
		t.Errorf("calls for the unselected pod %+v, want one, allowed, without a patch", calls)
	}

	s.calls.takeDown(t, ns)
	pod = s.createPod(t, ns, mr3Worker("unselected-while-down", nil))
	assertUntouched(t, pod)
	err := s.client.Create(t.Context(), withNamespace(mr3Worker("annotated-while-down", map[string]string{inject.ServiceAccountToken: "true"}), ns))
	if err == nil || !strings.Contains(err.Error(), "pods.stagehand.io") {
		t.Errorf("a pod with stagehand.io/ annotations while the webhook is down: %v, want the API server to refuse it (failurePolicy Fail)", err)
	}
}

// TestInvalidProfileRefused: the validating webhook refuses a profile with
// every problem at once, each naming the key; the CRD's schema refuses one
// without annotations.
func TestInvalidProfileRefused(t *testing.T) {
	s := env(t)
	c := s.profileClient(t)
	ns := s.newNamespace(t, optedIn)
	bad := workerProfile(ns, "bad", map[string]string{
		inject.Agent:                        "yes",
		"stagehand.io/service-acount-token": "true",
		annotations.Inject:                  "false",
		inject.ATSConfigMap:                 "Not_A_Name",
	})
	err := c.Create(t.Context(), bad)
	if err == nil {
		t.Fatal("an invalid profile was stored")
	}
	for _, want := range []string{"InjectionProfile " + ns + "/bad is invalid", inject.Agent, "yes", "service-acount-token",
		inject.ServiceAccountToken, annotations.Inject, inject.ATSConfigMap, "Not_A_Name"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal lacks %q:\n%v", want, err)
		}
	}
	empty := &v1alpha1.InjectionProfile{ObjectMeta: metav1.ObjectMeta{Name: "empty", Namespace: ns}}
	if err := c.Create(t.Context(), empty); err == nil || !strings.Contains(err.Error(), "spec.annotations") {
		t.Errorf("a profile without annotations: %v, want the CRD's schema to refuse it", err)
	}
	good := workerProfile(ns, "good", map[string]string{inject.ServiceAccountToken: "true"})
	if err := c.Create(t.Context(), good); err != nil {
		t.Fatalf("a valid profile: %v", err)
	}
	good.Spec.Annotations[inject.Agent] = "maybe"
	if err := c.Update(t.Context(), good); err == nil || !strings.Contains(err.Error(), "maybe") {
		t.Errorf("an update making the profile invalid: %v, want it refused naming the value", err)
	}
}

// withNamespace sets the pod's namespace.
func withNamespace(pod *corev1.Pod, ns string) *corev1.Pod {
	pod.Namespace = ns
	return pod
}

// containsAll reports whether s contains every part.
func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
