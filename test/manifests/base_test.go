package manifests

import (
	"net"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func webhookDeployment(t *testing.T, o *overlay) (*appsv1.Deployment, *corev1.Container) {
	t.Helper()
	d := typed[appsv1.Deployment](t, o.find(t, "Deployment", "stagehand-webhook"))
	if len(d.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("the Deployment has %d containers, want 1", len(d.Spec.Template.Spec.Containers))
	}
	return d, &d.Spec.Template.Spec.Containers[0]
}

func envOf(c *corev1.Container) map[string]string {
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	return env
}

func TestBaseObjects(t *testing.T) {
	base := buildOverlay(t, "base")
	want := []string{
		"CustomResourceDefinition/injectionprofiles.stagehand.io",
		"Namespace/stagehand-system",
		"ServiceAccount/stagehand-webhook",
		"ClusterRole/stagehand-webhook",
		"ClusterRoleBinding/stagehand-webhook",
		"ConfigMap/stagehand-entrypoints",
		"Service/stagehand-webhook",
		"Deployment/stagehand-webhook",
		"PodDisruptionBudget/stagehand-webhook",
		"ValidatingAdmissionPolicy/stagehand-guard",
		"ValidatingAdmissionPolicyBinding/stagehand-guard",
		"ValidatingAdmissionPolicy/stagehand-profile-guard",
		"ValidatingAdmissionPolicyBinding/stagehand-profile-guard",
		"MutatingWebhookConfiguration/stagehand",
		"ValidatingWebhookConfiguration/stagehand",
	}
	got := base.kinds()
	if !sameElements(got, want) {
		t.Errorf("base objects %v, want %v", got, want)
	}
	ns := base.find(t, "Namespace", "stagehand-system")
	labels := ns.GetLabels()
	if labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("stagehand-system labels %v, want PodSecurity restricted enforced", labels)
	}
	if _, ok := labels["stagehand.io/inject"]; ok {
		t.Error("stagehand-system opts in to its own webhook")
	}
}

// TestRBAC: the webhook's only API access is to list and watch
// InjectionProfiles and to record Events: it can read no Secret, ConfigMap
// or Pod. Its pod mounts the token that needs; its ServiceAccount mounts
// none into other pods.
func TestRBAC(t *testing.T) {
	for _, name := range []string{"base", "cert-manager", "self-signed"} {
		o := buildOverlay(t, name)
		var roles []string
		for _, u := range o.objects {
			switch u.GetKind() {
			case "Role", "RoleBinding":
				t.Errorf("overlay %s has %s %s: the webhook needs no namespaced RBAC", name, u.GetKind(), u.GetName())
			case "ClusterRole", "ClusterRoleBinding":
				roles = append(roles, u.GetKind()+"/"+u.GetName())
			}
		}
		if !sameElements(roles, []string{"ClusterRole/stagehand-webhook", "ClusterRoleBinding/stagehand-webhook"}) {
			t.Errorf("overlay %s: RBAC objects %v", name, roles)
		}
		role := typed[rbacv1.ClusterRole](t, o.find(t, "ClusterRole", "stagehand-webhook"))
		want := []rbacv1.PolicyRule{
			{APIGroups: []string{"stagehand.io"}, Resources: []string{"injectionprofiles"}, Verbs: []string{"list", "watch"}},
			{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
		}
		if !reflect.DeepEqual(role.Rules, want) {
			t.Errorf("overlay %s: ClusterRole rules %+v, want list and watch on injectionprofiles and create and patch on events only", name, role.Rules)
		}
		binding := typed[rbacv1.ClusterRoleBinding](t, o.find(t, "ClusterRoleBinding", "stagehand-webhook"))
		if binding.RoleRef.Name != "stagehand-webhook" || len(binding.Subjects) != 1 || binding.Subjects[0].Kind != "ServiceAccount" ||
			binding.Subjects[0].Name != "stagehand-webhook" || binding.Subjects[0].Namespace != "stagehand-system" {
			t.Errorf("overlay %s: ClusterRoleBinding %+v %+v", name, binding.RoleRef, binding.Subjects)
		}
		sa := typed[corev1.ServiceAccount](t, o.find(t, "ServiceAccount", "stagehand-webhook"))
		d, c := webhookDeployment(t, o)
		if ptr.Deref(sa.AutomountServiceAccountToken, true) {
			t.Errorf("overlay %s: the ServiceAccount mounts its token by default", name)
		}
		if !ptr.Deref(d.Spec.Template.Spec.AutomountServiceAccountToken, false) || envOf(c)["STAGEHAND_PROFILES"] != "true" {
			t.Errorf("overlay %s: the webhook pod watches profiles (STAGEHAND_PROFILES=%q) and must mount its token", name, envOf(c)["STAGEHAND_PROFILES"])
		}
		if d.Spec.Template.Spec.ServiceAccountName != "stagehand-webhook" {
			t.Errorf("overlay %s: the webhook runs as %q", name, d.Spec.Template.Spec.ServiceAccountName)
		}
	}
}

func TestDeploymentAvailability(t *testing.T) {
	base := buildOverlay(t, "base")
	d, c := webhookDeployment(t, base)
	spec := d.Spec.Template.Spec
	if ptr.Deref(d.Spec.Replicas, 1) != 2 {
		t.Errorf("replicas %d, want 2", ptr.Deref(d.Spec.Replicas, 1))
	}
	ru := d.Spec.Strategy.RollingUpdate
	if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
		t.Errorf("strategy %+v, want RollingUpdate with maxUnavailable 0", d.Spec.Strategy)
	}
	if ru != nil && (ru.MaxSurge == nil || ru.MaxSurge.IntValue() < 1) {
		t.Errorf("maxSurge %v: with maxUnavailable 0 a rollout needs a surge", ru.MaxSurge)
	}
	aa := spec.Affinity
	if aa == nil || aa.PodAntiAffinity == nil || len(aa.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution) != 1 {
		t.Fatalf("affinity %+v, want one preferred pod anti-affinity term", aa)
	}
	term := aa.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution[0].PodAffinityTerm
	if term.TopologyKey != corev1.LabelHostname || term.LabelSelector == nil {
		t.Errorf("anti-affinity term %+v, want by %s", term, corev1.LabelHostname)
	} else if !selects(term.LabelSelector.MatchLabels, d.Spec.Template.Labels) {
		t.Errorf("anti-affinity selects %v, not the webhook pods %v", term.LabelSelector.MatchLabels, d.Spec.Template.Labels)
	}

	pdb := typed[policyv1.PodDisruptionBudget](t, base.find(t, "PodDisruptionBudget", "stagehand-webhook"))
	if pdb.Spec.MinAvailable == nil || *pdb.Spec.MinAvailable != intstr.FromInt32(1) || pdb.Spec.MaxUnavailable != nil {
		t.Errorf("PDB minAvailable %v maxUnavailable %v, want minAvailable 1", pdb.Spec.MinAvailable, pdb.Spec.MaxUnavailable)
	}
	if pdb.Spec.Selector == nil || !selects(pdb.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		t.Errorf("PDB selector %v does not select the webhook pods", pdb.Spec.Selector)
	}

	delay, err := time.ParseDuration(envOf(c)["STAGEHAND_SHUTDOWN_DELAY"])
	if err != nil || delay <= 0 {
		t.Fatalf("STAGEHAND_SHUTDOWN_DELAY: %v (%v)", delay, err)
	}
	grace := time.Duration(ptr.Deref(spec.TerminationGracePeriodSeconds, 30)) * time.Second
	if grace < delay+10*time.Second {
		t.Errorf("terminationGracePeriodSeconds %v leaves less than 10s to drain after the shutdown delay %v", grace, delay)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources %+v, want CPU and memory requests and a memory limit", c.Resources)
	}
}

func TestDeploymentServesAndProbes(t *testing.T) {
	base := buildOverlay(t, "base")
	d, c := webhookDeployment(t, base)
	env := envOf(c)
	if c.Image != "ghcr.io/stagehand-k8s/webhook:v0.1.0" || !slices.Equal(c.Command, []string{"/webhook"}) || !slices.Equal(c.Args, []string{"serve"}) {
		t.Errorf("container runs %s %v %v, want ghcr.io/stagehand-k8s/webhook:v0.1.0 /webhook serve", c.Image, c.Command, c.Args)
	}
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	_, healthPort, _ := net.SplitHostPort(env["STAGEHAND_HEALTH_ADDR"])
	_, metricsPort, _ := net.SplitHostPort(env["STAGEHAND_METRICS_ADDR"])
	for name, want := range map[string]string{"https": env["STAGEHAND_WEBHOOK_PORT"], "health": healthPort, "metrics": metricsPort} {
		if got := ports[name]; strconv.Itoa(int(got)) != want {
			t.Errorf("container port %s is %d, want %s from the env", name, got, want)
		}
	}
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path || p.probe.HTTPGet.Port.String() != "health" {
			t.Errorf("%s probe %+v, want GET %s on the health port", p.name, p.probe, p.path)
		}
	}

	svc := typed[corev1.Service](t, base.find(t, "Service", "stagehand-webhook"))
	svcPorts := map[string]corev1.ServicePort{}
	for _, p := range svc.Spec.Ports {
		svcPorts[p.Name] = p
	}
	if p := svcPorts["https"]; p.Port != 443 || p.TargetPort != intstr.FromInt32(ports["https"]) {
		t.Errorf("Service port https %+v, want 443 -> %d", p, ports["https"])
	}
	if p := svcPorts["metrics"]; p.Port == 0 || p.TargetPort != intstr.FromInt32(ports["metrics"]) {
		t.Errorf("Service port metrics %+v, want one to %d", p, ports["metrics"])
	}
	if !selects(svc.Spec.Selector, d.Spec.Template.Labels) {
		t.Errorf("Service selector %v does not select the webhook pods", svc.Spec.Selector)
	}

	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m
	}
	vols := map[string]corev1.Volume{}
	for _, v := range d.Spec.Template.Spec.Volumes {
		vols[v.Name] = v
	}
	if m, v := mounts["certs"], vols["certs"]; m.MountPath != env["STAGEHAND_CERT_DIR"] || m.MountPath != "/etc/stagehand/certs" || !m.ReadOnly ||
		v.Secret == nil || v.Secret.SecretName != "stagehand-webhook-tls" {
		t.Errorf("cert mount %+v of volume %+v, want Secret stagehand-webhook-tls read-only at STAGEHAND_CERT_DIR", m, v)
	}
	if m, v := mounts["entrypoints"], vols["entrypoints"]; !m.ReadOnly || path.Dir(env["STAGEHAND_ENTRYPOINTS"]) != m.MountPath ||
		v.ConfigMap == nil || v.ConfigMap.Name != "stagehand-entrypoints" {
		t.Errorf("entrypoints mount %+v of volume %+v, want ConfigMap stagehand-entrypoints read-only, holding STAGEHAND_ENTRYPOINTS", m, v)
	}
	data, err := configMapData(base, "stagehand-entrypoints", path.Base(env["STAGEHAND_ENTRYPOINTS"]))
	if err != nil || !strings.Contains(data, "apache/spark:*: [/opt/entrypoint.sh]") {
		t.Errorf("entrypoint map %q (%v), want apache/spark:* -> [/opt/entrypoint.sh]", data, err)
	}
}

func TestDeploymentSecurityContext(t *testing.T) {
	d, c := webhookDeployment(t, buildOverlay(t, "base"))
	psc := d.Spec.Template.Spec.SecurityContext
	if psc == nil || !ptr.Deref(psc.RunAsNonRoot, false) || ptr.Deref(psc.RunAsUser, 0) != 65532 ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext %+v", psc)
	}
	sc := c.SecurityContext
	if sc == nil || !ptr.Deref(sc.RunAsNonRoot, false) || ptr.Deref(sc.RunAsUser, 0) != 65532 ||
		ptr.Deref(sc.AllowPrivilegeEscalation, true) || !ptr.Deref(sc.ReadOnlyRootFilesystem, false) ||
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0 ||
		sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault || ptr.Deref(sc.Privileged, false) {
		t.Errorf("container securityContext %+v, want restricted", sc)
	}
}

func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func sameElements(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
