package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/stagehand-k8s/stagehand/internal/overlay"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// fieldOwner names the demo in server-side apply.
var fieldOwner = client.FieldOwner("stagehand-demo")

// cluster is the local API server.
type cluster struct {
	env    *envtest.Environment
	cfg    *rest.Config
	client client.Client
}

// warningPrinter prints the API server's warnings, stagehand's admission
// warnings among them.
type warningPrinter struct{ n *narrator }

func (w warningPrinter) HandleWarningHeader(_ int, _ string, text string) {
	w.n.line("warning: %s", text)
}

// startCluster starts the API server and etcd, and installs the CRDs of
// crdDir (the InjectionProfile CRD), waiting until they are served.
func startCluster(assets, crdDir string, n *narrator) (*cluster, func(), error) {
	env := &envtest.Environment{BinaryAssetsDirectory: assets, CRDDirectoryPaths: []string{crdDir}, ErrorIfCRDPathMissing: true}
	cfg, err := env.Start()
	if err != nil {
		return nil, nil, fmt.Errorf("starting kube-apiserver and etcd from %s (run `make envtest-assets`): %w", assets, err)
	}
	stop := func() { _ = env.Stop() }
	cfg.WarningHandler = warningPrinter{n}
	c, err := client.New(cfg, client.Options{Scheme: clientgoscheme.Scheme})
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("connecting to the API server: %w", err)
	}
	return &cluster{env: env, cfg: cfg, client: c}, stop, nil
}

// installAdmission installs the base's webhook configurations (both
// entries of the mutating one, and the validation of profiles) and guards,
// pointed at the local webhook, and waits until the API server uses them.
func (c *cluster) installAdmission(ctx context.Context, objects []*unstructured.Unstructured, hook *webhookProcess) error {
	kinds := []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}
	for _, kind := range kinds {
		for _, u := range objects {
			if u.GetKind() != kind {
				continue
			}
			u = u.DeepCopy()
			if strings.HasSuffix(kind, "WebhookConfiguration") {
				if err := overlay.PointWebhooksAt(u, hook.url, hook.caBundle); err != nil {
					return err
				}
			}
			if err := c.apply(ctx, u); err != nil {
				return fmt.Errorf("installing %s %s: %w", kind, u.GetName(), err)
			}
		}
	}
	return c.waitForInjection(ctx)
}

// waitForInjection waits until a dry-run pod in an opted-in namespace comes
// back injected: the API server picks new webhook configurations up
// asynchronously.
func (c *cluster) waitForInjection(ctx context.Context) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "stagehand-demo-probe",
		Labels: map[string]string{annotations.NamespaceLabel: annotations.NamespaceLabelEnabled}}}
	if err := c.client.Create(ctx, ns); err != nil {
		return fmt.Errorf("creating the probe namespace: %w", err)
	}
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "probe", Namespace: ns.Name, Annotations: map[string]string{inject.ATSSecret: "probe"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "probe", Image: "busybox"}}},
		}
		if err := c.client.Create(ctx, pod, client.DryRunAll); err != nil {
			return false, nil //nolint:nilerr // not ready yet: keep polling
		}
		_, injected := pod.Annotations[annotations.Status]
		return injected, nil
	})
}

// examples are the created example objects.
type examples struct {
	objects []*unstructured.Unstructured
	pods    []client.ObjectKey
}

// createExamples creates every example object, in build order.
func (c *cluster) createExamples(ctx context.Context, dir string, n *narrator) (*examples, error) {
	objects, err := overlay.Build(dir)
	if err != nil {
		return nil, err
	}
	ex := &examples{objects: objects}
	for _, u := range objects {
		if err := c.apply(ctx, u.DeepCopy()); err != nil {
			return nil, fmt.Errorf("creating %s %s: %w", u.GetKind(), u.GetName(), err)
		}
		n.line("created %s %s", u.GetKind(), u.GetName())
		if u.GetKind() == "Pod" {
			ex.pods = append(ex.pods, client.ObjectKeyFromObject(u))
		}
	}
	return ex, nil
}

func (c *cluster) apply(ctx context.Context, u *unstructured.Unstructured) error {
	return c.client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), fieldOwner, client.ForceOwnership)
}
