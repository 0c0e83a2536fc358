package podrunner

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "a", "B": "b c"}
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"$(A)", "a"},
		{"x-$(A)-$(B)-y", "x-a-b c-y"},
		{"$$(A)", "$(A)"},
		{"$(MISSING)", "$(MISSING)"},
		{"$(A", "$(A"},
		{"cost: $5", "cost: $5"},
		{"trailing $", "trailing $"},
		{"$$$(A)", "$a"},
	}
	for _, tt := range tests {
		if got := expand(tt.in, lookupIn(vars)); got != tt.want {
			t.Errorf("expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEnvResolution(t *testing.T) {
	requireNamespaces(t)
	c := shell("app", "env")
	c.EnvFrom = []corev1.EnvFromSource{
		{Prefix: "CM_", ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}}},
		{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "missing"}, Optional: ptr(true)}},
	}
	field := func(path string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}
	}
	c.Env = []corev1.EnvVar{
		{Name: "LITERAL", Value: "v1"},
		{Name: "EXPANDED", Value: "$(LITERAL)-$(CM_mode)-$$(LITERAL)-$(UNDEFINED)"},
		{Name: "ATS_SECRET_KEY", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "ats"}, Key: "key"}}},
		{Name: "FROM_CM", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "mode"}}},
		{Name: "OPTIONAL_GONE", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "nope", Optional: ptr(true)}}},
		{Name: "POD_NAME", ValueFrom: field("metadata.name")},
		{Name: "POD_NAMESPACE", ValueFrom: field("metadata.namespace")},
		{Name: "POD_UID", ValueFrom: field("metadata.uid")},
		{Name: "NODE", ValueFrom: field("spec.nodeName")},
		{Name: "SA", ValueFrom: field("spec.serviceAccountName")},
		{Name: "POD_IP", ValueFrom: field("status.podIP")},
		{Name: "LABEL", ValueFrom: field("metadata.labels['app']")},
		{Name: "ANNOTATION", ValueFrom: field("metadata.annotations['note']")},
	}
	pod := newPod(c)
	pod.Spec.ServiceAccountName = "worker-sa"
	out := run(t, pod, Fixtures{
		Secrets:    map[string]map[string][]byte{"ats": {"key": []byte("s3cret")}},
		ConfigMaps: map[string]map[string]string{"cm": {"mode": "fast"}},
		NodeName:   "node-7",
	})
	if out.err != nil {
		t.Fatal(out.err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(out.container(t, "app").Output, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	want := map[string]string{
		"LITERAL":        "v1",
		"EXPANDED":       "v1-fast-$(LITERAL)-$(UNDEFINED)",
		"CM_mode":        "fast",
		"ATS_SECRET_KEY": "s3cret",
		"FROM_CM":        "fast",
		"POD_NAME":       "test-pod",
		"POD_NAMESPACE":  "ns1",
		"POD_UID":        "uid-1234",
		"NODE":           "node-7",
		"SA":             "worker-sa",
		"POD_IP":         "127.0.0.1",
		"LABEL":          "demo",
		"ANNOTATION":     "hello",
		"HOSTNAME":       "test-pod",
		"HOME":           "/root",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if _, ok := env["OPTIONAL_GONE"]; ok {
		t.Error("optional missing key should leave OPTIONAL_GONE unset")
	}
	if env["PATH"] == "" {
		t.Error("PATH is not set")
	}
	if !strings.Contains(out.stdout, "[app] LITERAL=v1\n") {
		t.Errorf("stdout lines are not prefixed with [app]:\n%s", out.stdout)
	}
}

// Missing references fail the container before it starts, naming what is
// missing, like the kubelet's CreateContainerConfigError.
func TestEnvMissingReference(t *testing.T) {
	tests := []struct {
		name string
		src  corev1.EnvVarSource
		want string
	}{
		{"secret key", corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "ats"}, Key: "other"}}, "couldn't find key other in Secret ns1/ats"},
		{"secret", corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "nosuch"}, Key: "key"}}, `secret "nosuch" not found`},
		{"configmap key", corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "ats-secret-key"}}, "couldn't find key ats-secret-key in ConfigMap ns1/cm"},
		{"configmap", corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "client-am-config"}, Key: "k"}}, `configmap "client-am-config" not found`},
		{"field", corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.bogus"}}, `unsupported fieldPath "spec.bogus"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := shell("app", "exit 0")
			c.Env = []corev1.EnvVar{{Name: "X", ValueFrom: &tt.src}}
			out := run(t, newPod(c), Fixtures{
				Secrets:    map[string]map[string][]byte{"ats": {"key": []byte("v")}},
				ConfigMaps: map[string]map[string]string{"cm": {"mode": "fast"}},
			})
			var ce *ContainerError
			if !errors.As(out.err, &ce) {
				t.Fatalf("err = %v, want a *ContainerError", out.err)
			}
			if ce.Container != "app" || ce.Reason != "CreateContainerConfigError" || !strings.Contains(ce.Error(), tt.want) {
				t.Errorf("err = %v, want CreateContainerConfigError for app mentioning %q", ce, tt.want)
			}
			if got := out.container(t, "app").Reason; got != "CreateContainerConfigError" {
				t.Errorf("result reason = %q", got)
			}
		})
	}
}
