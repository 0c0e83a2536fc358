package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// installWebhook creates the namespaces, the shipped webhook configuration
// pointed at url, and a copy of it for the namespace nsNoop pointed at the
// no-op webhook's noopURL.
func installWebhook(ctx context.Context, root string, cs kubernetes.Interface, url, noopURL string, caPEM []byte) error {
	data, err := os.ReadFile(filepath.Join(root, webhookManifest))
	if err != nil {
		return fmt.Errorf("reading the webhook configuration: %w", err)
	}
	var mwc admissionregistrationv1.MutatingWebhookConfiguration
	if err := yaml.UnmarshalStrict(data, &mwc); err != nil {
		return fmt.Errorf("decoding the webhook configuration: %w", err)
	}
	for i := range mwc.Webhooks {
		mwc.Webhooks[i].ClientConfig = admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: caPEM}
	}
	// Copies for the no-op webhook: one that admits untouched, one that
	// answers with a patch of one operation (the mutating floor).
	floor := func(name, label, url string) *admissionregistrationv1.MutatingWebhookConfiguration {
		c := mwc.DeepCopy()
		c.Name = "stagehand-bench-" + name
		for i := range c.Webhooks {
			c.Webhooks[i].Name = fmt.Sprintf("%s-%d.bench.stagehand.io", name, i)
			c.Webhooks[i].ClientConfig.URL = &url
			c.Webhooks[i].NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{noopLabel: label}}
		}
		return c
	}
	for _, c := range []*admissionregistrationv1.MutatingWebhookConfiguration{
		&mwc, floor("noop", "enabled", noopURL), floor("noop-patch", "patch", noopURL+noopPatchSuffix),
	} {
		if _, err := cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, c, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating the webhook configuration %s: %w", c.Name, err)
		}
	}
	for ns, labels := range map[string]map[string]string{
		nsWith:      {annotations.NamespaceLabel: annotations.NamespaceLabelEnabled},
		nsWithout:   nil,
		nsNoop:      {noopLabel: "enabled"},
		nsNoopPatch: {noopLabel: "patch"},
	} {
		obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labels}}
		if _, err := cs.CoreV1().Namespaces().Create(ctx, obj, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating namespace %s: %w", ns, err)
		}
		// No controller manager creates the default ServiceAccount.
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns}}
		if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating the default ServiceAccount of %s: %w", ns, err)
		}
	}
	return nil
}

// waitForWebhook waits until the API server calls the webhook: creating
// the configuration does not mean the API server uses it yet.
func waitForWebhook(ctx context.Context, cs kubernetes.Interface, pod *corev1.Pod) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, apiWaitTimeout, true, func(ctx context.Context) (bool, error) {
		p := pod.DeepCopy()
		p.Namespace, p.Name = nsWith, "probe"
		got, err := cs.CoreV1().Pods(nsWith).Create(ctx, p, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		last = err
		if err != nil {
			return false, nil
		}
		_, injected := got.Annotations[annotations.Status]
		return injected, nil
	})
	if err != nil {
		return fmt.Errorf("the API server never called the webhook (last error: %v): %w", last, err)
	}
	return nil
}
