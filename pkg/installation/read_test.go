package installation

import (
	"context"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/manifests"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/config"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/offline"
)

// shippedObjects are the base's webhook Deployment and entrypoint
// ConfigMap, as `kubectl apply -k manifests/...` creates them.
func shippedObjects(t *testing.T) (*appsv1.Deployment, *corev1.ConfigMap) {
	t.Helper()
	var d appsv1.Deployment
	var cm corev1.ConfigMap
	for file, into := range map[string]any{"deployment.yaml": &d, "configmap-entrypoints.yaml": &cm} {
		b, err := os.ReadFile("../../manifests/base/" + file)
		if err == nil {
			err = yaml.UnmarshalStrict(b, into)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return &d, &cm
}

func fakeClient(t *testing.T, objs ...client.Object) client.Client {
	t.Helper()
	s, err := Scheme()
	if err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()
}

// setEnv sets a variable of the webhook container.
func setEnv(d *appsv1.Deployment, e corev1.EnvVar) {
	c := &d.Spec.Template.Spec.Containers[0]
	for i := range c.Env {
		if c.Env[i].Name == e.Name {
			c.Env[i] = e
			return
		}
	}
	c.Env = append(c.Env, e)
}

// TestReadShipped: an installation of manifests/ as shipped reads as the
// shipped settings, the entrypoint map from its ConfigMap.
func TestReadShipped(t *testing.T) {
	d, cm := shippedObjects(t)
	mwc, err := manifests.MutatingWebhookConfiguration()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Read(t.Context(), fakeClient(t, d, cm, mwc), DefaultNamespace)
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	if s.Injection.AgentImage != shipped.Injection.AgentImage || !reflect.DeepEqual(s.Injection.Entrypoints, shipped.Injection.Entrypoints) || s.Injection.Strict {
		t.Errorf("live settings %+v, want the shipped %+v", s.Injection, shipped.Injection)
	}
	if s.Source != "Deployment stagehand-system/stagehand-webhook" || s.EntrypointsFrom != "ConfigMap stagehand-system/stagehand-entrypoints, key entrypoints.yaml" ||
		!s.Live || s.Webhooks == nil || len(s.Notes) > 0 {
		t.Errorf("source %q, entrypoints from %q, live %v, webhooks %v, notes %q", s.Source, s.EntrypointsFrom, s.Live, s.Webhooks != nil, s.Notes)
	}
	if shipped.Source != ShippedSource || shipped.EntrypointsFrom != offline.ShippedEntrypoints || shipped.Webhooks == nil {
		t.Errorf("shipped settings: source %q, entrypoints from %q", shipped.Source, shipped.EntrypointsFrom)
	}
}

// TestReadChanged: what an admin changed is what is read: env values,
// values from a ConfigMap, serve's flags, a map mounted with items or
// subPath; values from Secrets are not read, and said so.
func TestReadChanged(t *testing.T) {
	d, cm := shippedObjects(t)
	cm.Data = map[string]string{"spark.yaml": "apache/spark:*: [/opt/entrypoint.sh]\nmr3project/hive:*: [/opt/mr3-run/hive/run-worker.sh]\n"}
	settingsCM := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "hosts", Namespace: DefaultNamespace}, Data: map[string]string{"hosts": "repo1.maven.org"}}
	setEnv(d, corev1.EnvVar{Name: "STAGEHAND_AGENT_IMAGE", Value: "mirror.example.com/agent:v0.2.0"})
	setEnv(d, corev1.EnvVar{Name: "STAGEHAND_ALLOWED_DEPENDENCY_HOSTS", ValueFrom: &corev1.EnvVarSource{
		ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "hosts"}, Key: "hosts"}}})
	setEnv(d, corev1.EnvVar{Name: "STAGEHAND_ENTRYPOINTS", Value: "/etc/stagehand/entrypoints/map.yaml"})
	setEnv(d, corev1.EnvVar{Name: "STAGEHAND_LOG_LEVEL", ValueFrom: &corev1.EnvVarSource{
		SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "k"}}})
	d.Spec.Template.Spec.Containers[0].Args = []string{"serve", "--strict", "--log-format=text"}
	d.Spec.Template.Spec.Volumes[1].ConfigMap.Items = []corev1.KeyToPath{{Key: "spark.yaml", Path: "map.yaml"}}
	s, err := Read(t.Context(), fakeClient(t, d, cm, settingsCM), DefaultNamespace)
	if err != nil {
		t.Fatal(err)
	}
	want := config.Webhook{Strict: true, AgentImage: "mirror.example.com/agent:v0.2.0", AllowedDependencyHosts: []string{"repo1.maven.org"},
		EntrypointsFile: "/etc/stagehand/entrypoints/map.yaml", Entrypoints: inject.Entrypoints{
			"apache/spark:*": {"/opt/entrypoint.sh"}, "mr3project/hive:*": {"/opt/mr3-run/hive/run-worker.sh"}}}
	s.Injection.Given = nil
	if !reflect.DeepEqual(s.Injection, want) {
		t.Errorf("settings\n%+v\nwant\n%+v", s.Injection, want)
	}
	if s.EntrypointsFrom != "ConfigMap stagehand-system/stagehand-entrypoints, key spark.yaml" || s.Webhooks != nil || len(s.Notes) != 0 {
		t.Errorf("entrypoints from %q, webhooks %v, notes %q (the log level is no injection setting: never looked up)", s.EntrypointsFrom, s.Webhooks, s.Notes)
	}

	// A subPath mount of the file itself; the agent image from a Secret.
	c := &d.Spec.Template.Spec.Containers[0]
	c.VolumeMounts[1] = corev1.VolumeMount{Name: "entrypoints", MountPath: "/etc/entrypoints.yaml", SubPath: "map.yaml"}
	setEnv(d, corev1.EnvVar{Name: "STAGEHAND_ENTRYPOINTS", Value: "/etc/entrypoints.yaml"})
	setEnv(d, corev1.EnvVar{Name: "STAGEHAND_AGENT_IMAGE", ValueFrom: &corev1.EnvVarSource{
		SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "k"}}})
	s, err = Read(t.Context(), fakeClient(t, d, cm, settingsCM), DefaultNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Injection.Entrypoints) != 2 || s.Injection.AgentImage != config.DefaultAgentImage() ||
		len(s.Notes) != 1 || !strings.Contains(s.Notes[0], "STAGEHAND_AGENT_IMAGE is set from a Secret") {
		t.Errorf("entrypoints %v, agent image %q, notes %q", s.Injection.Entrypoints, s.Injection.AgentImage, s.Notes)
	}
}

// TestReadNotInstalled: without the Deployment, the shipped settings, said
// so; the cluster's webhook configuration, or none.
func TestReadNotInstalled(t *testing.T) {
	s, err := Read(t.Context(), fakeClient(t), DefaultNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if s.Source != ShippedSource || s.Webhooks != nil || !s.Live || len(s.Notes) != 1 || !strings.Contains(s.Notes[0], "stagehand is not installed in namespace stagehand-system") {
		t.Errorf("source %q, webhooks %v, notes %q", s.Source, s.Webhooks, s.Notes)
	}
}

// TestReadInvalid: settings the webhook could not start with are an error
// naming every one of them.
func TestReadInvalid(t *testing.T) {
	d, _ := shippedObjects(t)
	setEnv(d, corev1.EnvVar{Name: "STAGEHAND_STRICT", Value: "yes"})
	_, err := Read(t.Context(), fakeClient(t, d), DefaultNamespace) // no ConfigMap
	var inv *config.InvalidError
	if !errors.As(err, &inv) || len(inv.Settings) != 2 || !strings.Contains(err.Error(), "cannot start") ||
		!strings.Contains(err.Error(), "ConfigMap stagehand-system/stagehand-entrypoints, key entrypoints.yaml") {
		t.Fatalf("err = %v, want STAGEHAND_STRICT and STAGEHAND_ENTRYPOINTS invalid", err)
	}
}

// TestProfiles: the profiles of one namespace.
func TestProfiles(t *testing.T) {
	p := func(ns, name string) *v1alpha1.InjectionProfile {
		return &v1alpha1.InjectionProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	}
	list, err := Profiles(t.Context(), fakeClient(t, p("a", "one"), p("b", "two"), p("a", "three")), "a")
	var names []string
	for _, p := range list {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	if err != nil || !slices.Equal(names, []string{"one", "three"}) {
		t.Errorf("profiles %v, %v; want one and three", names, err)
	}
}

// TestReadForbidden: what the user may not read is taken as shipped, and
// said so.
func TestReadForbidden(t *testing.T) {
	d, cm := shippedObjects(t)
	s, err := Scheme()
	if err != nil {
		t.Fatal(err)
	}
	forbidden := interceptor.Funcs{Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
		switch obj.(type) {
		case *appsv1.Deployment, *admissionregistrationv1.MutatingWebhookConfiguration:
			return apierrors.NewForbidden(schema.GroupResource{Resource: "things"}, key.Name, errors.New("no"))
		}
		return c.Get(ctx, key, obj, opts...)
	}}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(d, cm).WithInterceptorFuncs(forbidden).Build()
	got, err := Read(t.Context(), c, DefaultNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if got.Source != ShippedSource || got.Webhooks == nil || len(got.Notes) != 2 ||
		!strings.Contains(got.Notes[0], "you may not read the MutatingWebhookConfiguration stagehand") ||
		!strings.Contains(got.Notes[1], "you may not read Deployment stagehand-system/stagehand-webhook") {
		t.Errorf("source %q, webhooks %v, notes %q", got.Source, got.Webhooks != nil, got.Notes)
	}
}
