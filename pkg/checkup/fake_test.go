package checkup

import (
	"context"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	apimachineryversion "k8s.io/apimachinery/pkg/version"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

// discoveryStub answers the version, and serves no group.
type discoveryStub struct{ version string }

func (d discoveryStub) ServerVersion() (*apimachineryversion.Info, error) {
	return &apimachineryversion.Info{GitVersion: d.version}, nil
}

func (d discoveryStub) ServerResourcesForGroupVersion(gv string) (*metav1.APIResourceList, error) {
	return nil, apierrors.NewNotFound(metav1.SchemeGroupVersion.WithResource("groupversion").GroupResource(), gv)
}

// fakeCheck runs a check on a fake client holding objects.
func fakeCheck(t *testing.T, opts Options, funcs interceptor.Funcs, objects ...client.Object) Report {
	t.Helper()
	scheme, err := NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objects...).WithInterceptorFuncs(funcs).Build()
	r, err := (&Checker{Client: c, Discovery: discoveryStub{"v1.35.0"}, Options: opts}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestHelmInstallElsewhere: an installation by Helm in another namespace
// than --stagehand-namespace: the hints say to add the flag and how Helm
// restores what is missing.
func TestHelmInstallElsewhere(t *testing.T) {
	mwc := &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "stagehand", Labels: map[string]string{
			"app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/instance": "sh",
		}},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{Name: "pods.stagehand.io",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{
				Service: &admissionregistrationv1.ServiceReference{Namespace: "stagehand", Name: "stagehand-webhook"}},
		}},
	}
	r := fakeCheck(t, Options{Namespace: "stagehand-system"}, interceptor.Funcs{}, mwc)
	res, _ := r.Find("Deployment stagehand-system/stagehand-webhook")
	for _, want := range []string{"helm upgrade sh charts/stagehand -n stagehand --reuse-values", "add --stagehand-namespace stagehand"} {
		if res.Status != Fail || !strings.Contains(res.Hint, want) {
			t.Errorf("Deployment missing: %+v, want the hint to say %q", res, want)
		}
	}
}

// TestDeploymentRollingOut: some replicas available warns; none fails.
func TestDeploymentRollingOut(t *testing.T) {
	two := int32(2)
	for _, tc := range []struct {
		available, updated int32
		want               Status
	}{{2, 2, Pass}, {1, 2, Warn}, {2, 1, Warn}, {0, 2, Fail}} {
		d := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: "stagehand-system", Name: "stagehand-webhook"},
			Spec:       appsv1.DeploymentSpec{Replicas: &two},
			Status:     appsv1.DeploymentStatus{Replicas: 2, AvailableReplicas: tc.available, UpdatedReplicas: tc.updated},
		}
		r := fakeCheck(t, Options{Namespace: "stagehand-system"}, interceptor.Funcs{}, d)
		if res, _ := r.Find("Deployment stagehand-system/stagehand-webhook"); res.Status != tc.want {
			t.Errorf("%d available, %d updated: %+v, want %s", tc.available, tc.updated, res, tc.want)
		}
	}
}

// TestRefusedCredentials: a token the API server refuses fails every read
// with a hint about logging in, not about timeouts.
func TestRefusedCredentials(t *testing.T) {
	refuse := interceptor.Funcs{Get: func(context.Context, client.WithWatch, client.ObjectKey, client.Object, ...client.GetOption) error {
		return apierrors.NewUnauthorized("token expired")
	}}
	r := fakeCheck(t, Options{Namespace: "stagehand-system"}, refuse)
	res, _ := r.Find("CRD injectionprofiles.stagehand.io")
	if res.Status != Fail || !strings.Contains(res.Hint, "kubectl auth whoami") {
		t.Errorf("refused credentials: %+v", res)
	}
	if r.Failed() < 5 {
		t.Errorf("refused credentials: only %d items failed", r.Failed())
	}
}
