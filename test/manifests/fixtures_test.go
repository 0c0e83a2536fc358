package manifests

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	stagehandoverlay "github.com/stagehand-k8s/stagehand/internal/overlay"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// optedIn are the labels of a namespace that opts in to injection.
var optedIn = map[string]string{annotations.NamespaceLabel: annotations.NamespaceLabelEnabled}

// createNamespace creates a namespace with a "default" ServiceAccount,
// which no controller creates under envtest. An empty name generates one.
func (s *suite) createNamespace(ctx context.Context, name string, labels map[string]string) (string, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	if name == "" {
		ns.GenerateName = "stagehand-manifests-"
	}
	if err := s.client.Create(ctx, ns); err != nil {
		return "", fmt.Errorf("creating namespace: %w", err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns.Name}}
	if err := s.client.Create(ctx, sa); err != nil && !apierrors.IsAlreadyExists(err) {
		return "", fmt.Errorf("creating the default ServiceAccount in %s: %w", ns.Name, err)
	}
	return ns.Name, nil
}

// newNamespace creates a namespace of its own for one test.
func (s *suite) newNamespace(t *testing.T, labels map[string]string) string {
	t.Helper()
	name, err := s.createNamespace(t.Context(), "", labels)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// No namespace controller runs: the namespace only turns Terminating.
		_ = s.client.Delete(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	})
	return name
}

// localize points a webhook configuration, mutating or validating, at the
// local webhook server, keeping each webhook's path and everything else;
// other objects are returned as they are. What the API server would call in
// a cluster is validated by a dry-run apply of the object before localizing.
func (s *suite) localize(u *unstructured.Unstructured) *unstructured.Unstructured {
	if k := u.GetKind(); k != "MutatingWebhookConfiguration" && k != "ValidatingWebhookConfiguration" {
		return u
	}
	u = u.DeepCopy()
	if err := stagehandoverlay.PointWebhooksAt(u, s.URL, s.CABundle); err != nil {
		panic(err) // the base's configuration has webhooks: TestBaseOverlay checks it
	}
	return u
}

// configMapData reads one key of a ConfigMap of an overlay.
func configMapData(o *overlay, name, key string) (string, error) {
	for _, u := range o.objects {
		if u.GetKind() == "ConfigMap" && u.GetName() == name {
			v, ok, _ := unstructured.NestedString(u.Object, "data", key)
			if !ok {
				return "", fmt.Errorf("ConfigMap %s has no key %s", name, key)
			}
			return v, nil
		}
	}
	return "", fmt.Errorf("overlay %s has no ConfigMap %s", o.name, name)
}

// deploymentEnv returns the env of the webhook container of the base
// Deployment, by name.
func deploymentEnv(o *overlay) (map[string]string, error) {
	for _, u := range o.objects {
		if u.GetKind() != "Deployment" || u.GetName() != "stagehand-webhook" {
			continue
		}
		var d appsv1.Deployment
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &d); err != nil {
			return nil, err
		}
		env := map[string]string{}
		for _, c := range d.Spec.Template.Spec.Containers {
			for _, e := range c.Env {
				env[e.Name] = e.Value
			}
		}
		return env, nil
	}
	return nil, fmt.Errorf("overlay %s has no Deployment stagehand-webhook", o.name)
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// agentPod is a worker pod that asks for the token, the Timeline Server key,
// a jar and the agent, labelled for the strip webhook with mode (or not,
// when mode is empty).
func agentPod(name string, mode stripMode) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Annotations: map[string]string{
				inject.ServiceAccountToken: "true",
				inject.ATSConfigMap:        "client-am-config",
				inject.Jars:                "https://artifacts.example.com/udf.jar",
				inject.Agent:               "true",
			},
		},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{
				Name:    "worker",
				Image:   "mr3project/hive:4.0.0.mr3.2.1",
				Command: []string{"/opt/mr3-run/hive/run-worker.sh"},
			}},
		},
	}
	if mode != "" {
		pod.Labels = map[string]string{stripLabel: string(mode)}
	}
	return pod
}
