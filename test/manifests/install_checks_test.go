package manifests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	stagehandoverlay "github.com/stagehand-k8s/stagehand/internal/overlay"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// policyTimeout bounds the wait for stagehand-webhook-ca to refuse what it
// must: the API server enforces a new policy within a second or so, and
// finds a paramKind whose CRD was just installed once it looks its
// resources up again, every 30 seconds.
const policyTimeout = 90 * time.Second

// The annotation and label of manifests/cert-manager/webhooks, and the
// Certificate whose CA cainjector copies.
const (
	injectCAFrom       = "cert-manager.io/inject-ca-from"
	caBundleLabel      = "stagehand.io/ca-bundle"
	servingCertificate = "stagehand-system/stagehand-webhook"
)

var certificateGVK = schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "Certificate"}

// built returns the webhook configurations that kustomize builds from
// manifests/<name>.
func (c *bare) built(t *testing.T, name string) []*unstructured.Unstructured {
	t.Helper()
	objects, err := stagehandoverlay.Build(filepath.Join(manifestsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var out []*unstructured.Unstructured
	for _, u := range objects {
		if strings.HasSuffix(u.GetKind(), "WebhookConfiguration") {
			out = append(out, u)
		}
	}
	if len(out) != 2 {
		t.Fatalf("manifests/%s builds %d webhook configurations, want 2", name, len(out))
	}
	return out
}

// waitRefused waits until stagehand-webhook-ca refuses both webhook
// configurations of manifests/cert-manager/webhooks, as built, with
// message, trying to create them with a dry run.
func (c *bare) waitRefused(t *testing.T, message string) {
	t.Helper()
	objects := c.built(t, "cert-manager/webhooks")
	var last error
	err := wait.PollUntilContextTimeout(t.Context(), 500*time.Millisecond, policyTimeout, true, func(ctx context.Context) (bool, error) {
		for _, u := range objects {
			last = c.Client.Create(ctx, u.DeepCopy(), client.DryRunAll)
			if last == nil || !strings.Contains(last.Error(), message) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("stagehand-webhook-ca never refused the webhook configurations with %q (last: %v): %v", message, last, err)
	}
}

// noWebhookConfigurations fails the test when the webhook configurations
// stagehand exist, or any webhook configuration fails closed without a
// caBundle.
func (c *bare) noWebhookConfigurations(t *testing.T) {
	t.Helper()
	for _, obj := range []client.Object{&admissionregistrationv1.MutatingWebhookConfiguration{}, &admissionregistrationv1.ValidatingWebhookConfiguration{}} {
		if err := c.Client.Get(t.Context(), client.ObjectKey{Name: "stagehand"}, obj); !apierrors.IsNotFound(err) {
			t.Errorf("%T stagehand: %v, want none", obj, err)
		}
	}
	c.noFailClosedWithoutCA(t)
}

// noFailClosedWithoutCA fails the test for every webhook of the API server
// that fails closed and has no caBundle.
func (c *bare) noFailClosedWithoutCA(t *testing.T) {
	t.Helper()
	var mutating admissionregistrationv1.MutatingWebhookConfigurationList
	var validating admissionregistrationv1.ValidatingWebhookConfigurationList
	if err := errors.Join(c.Client.List(t.Context(), &mutating), c.Client.List(t.Context(), &validating)); err != nil {
		t.Fatal(err)
	}
	check := func(config, name string, policy *admissionregistrationv1.FailurePolicyType, cc admissionregistrationv1.WebhookClientConfig) {
		if ptr.Deref(policy, admissionregistrationv1.Fail) == admissionregistrationv1.Fail && len(cc.CABundle) == 0 {
			t.Errorf("%s: webhook %s fails closed and has no caBundle", config, name)
		}
	}
	for _, m := range mutating.Items {
		for _, w := range m.Webhooks {
			check("MutatingWebhookConfiguration "+m.Name, w.Name, w.FailurePolicy, w.ClientConfig)
		}
	}
	for _, v := range validating.Items {
		for _, w := range v.Webhooks {
			check("ValidatingWebhookConfiguration "+v.Name, w.Name, w.FailurePolicy, w.ClientConfig)
		}
	}
}

// standIns does what cert-manager and its cainjector would, until the
// returned function is called: the Certificate stagehand-webhook becomes
// Ready, and the caBundle of the webhook configurations that ask for its CA
// is filled in with an update, which passes admission as cainjector's
// does. The function reports the last error of each.
func (c *bare) standIns(t *testing.T) func() {
	ctx, cancel := context.WithTimeout(t.Context(), kubectlTimeout)
	var wg sync.WaitGroup
	var mu sync.Mutex
	last := map[string]error{}
	wg.Go(func() {
		_ = wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
			issued, injected := c.issue(ctx), c.inject(ctx)
			if ctx.Err() != nil {
				return true, nil // stopped: a call cut short is not the stand-ins' failure
			}
			mu.Lock()
			defer mu.Unlock()
			last["cert-manager"], last["cainjector"] = issued, injected
			return false, nil
		})
	})
	return func() {
		cancel()
		wg.Wait()
		for who, err := range last {
			if err != nil {
				t.Errorf("the stand-in for %s: %v", who, err)
			}
		}
	}
}

// issue marks the Certificate Ready, as cert-manager does once it has
// issued it.
func (c *bare) issue(ctx context.Context) error {
	ns, name, _ := strings.Cut(servingCertificate, "/")
	cert := &unstructured.Unstructured{}
	cert.SetGroupVersionKind(certificateGVK)
	if err := c.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, cert); err != nil {
		return client.IgnoreNotFound(err)
	}
	patch := fmt.Sprintf(`{"status":{"conditions":[{"type":"Ready","status":"True","reason":"Ready","message":"Certificate is up to date and has not expired","lastTransitionTime":%q}]}}`,
		time.Now().UTC().Format(time.RFC3339))
	return c.Client.Status().Patch(ctx, cert, client.RawPatch(types.MergePatchType, []byte(patch)))
}

// inject fills in the caBundle of each webhook configuration stagehand that
// asks for the Certificate's CA and lacks it, as cainjector does.
func (c *bare) inject(ctx context.Context) error {
	var errs []error
	mutating := &admissionregistrationv1.MutatingWebhookConfiguration{}
	if err := c.Client.Get(ctx, client.ObjectKey{Name: "stagehand"}, mutating); err == nil && mutating.Annotations[injectCAFrom] == servingCertificate {
		for i := range mutating.Webhooks {
			mutating.Webhooks[i].ClientConfig.CABundle = c.CABundle
		}
		errs = append(errs, c.Client.Update(ctx, mutating))
	}
	validating := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	if err := c.Client.Get(ctx, client.ObjectKey{Name: "stagehand"}, validating); err == nil && validating.Annotations[injectCAFrom] == servingCertificate {
		for i := range validating.Webhooks {
			validating.Webhooks[i].ClientConfig.CABundle = c.CABundle
		}
		errs = append(errs, c.Client.Update(ctx, validating))
	}
	return errors.Join(errs...)
}

// installed checks the installation's webhook configurations: as the base
// builds them (their failure policies included), but asking cainjector for
// the Certificate's CA, and with it.
func (c *bare) installed(t *testing.T) {
	t.Helper()
	base := map[string]*unstructured.Unstructured{}
	for _, u := range c.built(t, "base") {
		base[u.GetKind()] = u
	}
	var mutating admissionregistrationv1.MutatingWebhookConfiguration
	var validating admissionregistrationv1.ValidatingWebhookConfiguration
	if err := errors.Join(c.Client.Get(t.Context(), client.ObjectKey{Name: "stagehand"}, &mutating),
		c.Client.Get(t.Context(), client.ObjectKey{Name: "stagehand"}, &validating)); err != nil {
		t.Fatalf("after the documented command: %v", err)
	}
	want := typed[admissionregistrationv1.MutatingWebhookConfiguration](t, base["MutatingWebhookConfiguration"])
	for i, w := range mutating.Webhooks {
		c.checkInstalled(t, "MutatingWebhookConfiguration", mutating.Annotations, mutating.Labels, w.Name, w.FailurePolicy, want.Webhooks[i].FailurePolicy, w.ClientConfig)
	}
	wantV := typed[admissionregistrationv1.ValidatingWebhookConfiguration](t, base["ValidatingWebhookConfiguration"])
	for i, w := range validating.Webhooks {
		c.checkInstalled(t, "ValidatingWebhookConfiguration", validating.Annotations, validating.Labels, w.Name, w.FailurePolicy, wantV.Webhooks[i].FailurePolicy, w.ClientConfig)
	}
	if len(mutating.Webhooks) != len(want.Webhooks) || len(validating.Webhooks) != len(wantV.Webhooks) {
		t.Errorf("%d and %d webhooks, want the base's %d and %d", len(mutating.Webhooks), len(validating.Webhooks), len(want.Webhooks), len(wantV.Webhooks))
	}
	c.noFailClosedWithoutCA(t)
	var namespaces corev1.NamespaceList
	if err := c.Client.List(t.Context(), &namespaces, client.HasLabels{annotations.NamespaceLabel}); err != nil || len(namespaces.Items) > 0 {
		t.Errorf("opted-in namespaces %v (%v): the API server would call the webhook's Service", namespaces.Items, err)
	}
}

func (c *bare) checkInstalled(t *testing.T, kind string, anns, labels map[string]string, name string, got, want *admissionregistrationv1.FailurePolicyType, cc admissionregistrationv1.WebhookClientConfig) {
	t.Helper()
	if anns[injectCAFrom] != servingCertificate || labels[caBundleLabel] != "cert-manager" {
		t.Errorf("%s stagehand: %s %q and label %s %q, want %s and cert-manager", kind, injectCAFrom, anns[injectCAFrom], caBundleLabel, labels[caBundleLabel], servingCertificate)
	}
	if ptr.Deref(got, "") != ptr.Deref(want, "") {
		t.Errorf("%s webhook %s: failurePolicy %v, want the base's %v", kind, name, ptr.Deref(got, ""), ptr.Deref(want, ""))
	}
	if !bytes.Equal(cc.CABundle, c.CABundle) {
		t.Errorf("%s webhook %s: caBundle %.20q, want the CA cainjector filled in", kind, name, cc.CABundle)
	}
}

// wrongCertificateRefused: once the Certificate is Ready, a labelled
// webhook configuration without a caBundle whose annotation names another
// Certificate is refused.
func (c *bare) wrongCertificateRefused(t *testing.T) {
	t.Helper()
	u := c.built(t, "cert-manager/webhooks")[0].DeepCopy()
	u.SetName("stagehand-other")
	anns := u.GetAnnotations()
	anns[injectCAFrom] = "stagehand-system/other"
	u.SetAnnotations(anns)
	err := c.Client.Create(t.Context(), u, client.DryRunAll)
	if err == nil || !containsAll(err.Error(), "stagehand-webhook-ca", `cert-manager.io/inject-ca-from is "stagehand-system/other", not stagehand-system/stagehand-webhook`) {
		t.Errorf("a %s asking for the CA of another Certificate: %v, want it refused by stagehand-webhook-ca", u.GetKind(), err)
	}
}
