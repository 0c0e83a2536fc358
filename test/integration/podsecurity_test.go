package integration

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// TestRestrictedPodSecurityAdmitsInjectedPod proves that what stagehand
// injects (a projected volume, a Secret volume, env references) keeps a
// compliant pod compliant with PodSecurity "restricted", which the API
// server checks after every mutating webhook.
func TestRestrictedPodSecurityAdmitsInjectedPod(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, map[string]string{
		annotations.NamespaceLabel:           annotations.NamespaceLabelEnabled,
		"pod-security.kubernetes.io/enforce": "restricted",
	})
	anns := map[string]string{
		inject.ServiceAccountToken: "true",
		inject.ATSSecret:           "ats-secret",
		inject.ATSKeytabSecret:     "ats-keytab",
		inject.TimelineURL:         "https://timeline.example.com:8190",
	}

	// The namespace really enforces restricted: a pod that may escalate
	// privileges is refused.
	lax := harden(mr3Worker("lax", anns))
	yes := true
	lax.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = &yes
	lax.Namespace = ns
	err := s.client.Create(t.Context(), lax)
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `violates PodSecurity "restricted`) {
		t.Fatalf("creating a non-compliant pod gave %v, want a PodSecurity restricted violation", err)
	}

	s.createPod(t, ns, harden(mr3Worker("mr3-worker-1", anns)))
	pod := s.getPod(t, ns, "mr3-worker-1")
	assertCredentials(t, pod, "mr3-worker", inject.KubeletTokenPath)
	assertATSKey(t, pod, "mr3-worker", secretKey("ats-secret", inject.DefaultATSSecretKey))
	assertStatus(t, pod, inject.PartCredentials, inject.PartATSKey, inject.PartKeytab, inject.PartTimeline)

	var keytab *corev1.Volume
	for i := range pod.Spec.Volumes {
		if pod.Spec.Volumes[i].Name == inject.KeytabVolume {
			keytab = &pod.Spec.Volumes[i]
		}
	}
	if keytab == nil || keytab.Secret == nil || keytab.Secret.SecretName != "ats-keytab" {
		t.Errorf("keytab volume %s, want the Secret ats-keytab", toJSON(keytab))
	}
}

// TestRestrictedPodSecurityAdmitsAgentAndFetch: stagehand's own init
// container (agent install, then dependency fetch) and the wrapped command keep
// a compliant pod compliant with PodSecurity "restricted", on the real API
// server, and the re-invocation defaults leave the injection as it is.
func TestRestrictedPodSecurityAdmitsAgentAndFetch(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, map[string]string{
		annotations.NamespaceLabel:           annotations.NamespaceLabelEnabled,
		"pod-security.kubernetes.io/enforce": "restricted",
	})
	anns := map[string]string{
		inject.Agent:                  "true",
		inject.Jars:                   "https://artifacts.example.com/udf.jar,local:///opt/mr3-run/lib/aux.jar",
		inject.Archives:               "https://artifacts.example.com/venv.tar.gz",
		inject.DependenciesAuthSecret: "artifacts-token",
		inject.TaskTimeout:            "1h",
	}
	s.createPod(t, ns, harden(mr3Worker("mr3-worker-agent", anns)))
	pod := s.getPod(t, ns, "mr3-worker-agent")
	assertStatus(t, pod, inject.PartDeps, inject.PartAgent)
	if n := len(pod.Spec.InitContainers); n != 2 || pod.Spec.InitContainers[0].Name != inject.InitContainer {
		t.Fatalf("init containers %s, want stagehand-init, and only it, before the pod's own", toJSON(pod.Spec.InitContainers))
	}
	var worker *corev1.Container
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == "mr3-worker" {
			worker = &pod.Spec.Containers[i]
		}
	}
	if worker == nil || len(worker.Command) < 2 || worker.Command[0] != inject.AgentBinary {
		t.Fatalf("worker command %v, want it wrapped by the agent", worker)
	}
	var classpath string
	for _, e := range worker.Env {
		if e.Name == inject.SparkClasspathEnv {
			classpath = e.Value
		}
	}
	if want := inject.DefaultJarsDir + "/udf.jar:/opt/mr3-run/lib/aux.jar"; classpath != want {
		t.Errorf("SPARK_EXTRA_CLASSPATH = %q, want %q", classpath, want)
	}
}
