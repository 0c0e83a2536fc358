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
		annotations.ServiceAccountToken: "true",
		annotations.ATSSecret:           "ats-secret",
		annotations.ATSKeytabSecret:     "ats-keytab",
		annotations.TimelineURL:         "https://timeline.example.com:8190",
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
	assertCredentials(t, pod, "mr3-worker", annotations.KubeletTokenPath)
	assertATSKey(t, pod, "mr3-worker", secretKey("ats-secret", annotations.DefaultATSSecretKey))
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
