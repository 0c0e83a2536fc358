package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/internal/nodeenv"
)

// fieldOwner names the demo in server-side apply.
var fieldOwner = client.FieldOwner("stagehand-demo")

// Bounds of the demo's waits.
const (
	pollInterval  = 250 * time.Millisecond
	removeTimeout = 90 * time.Second
)

// demo is the running demo: the installed cluster and what the demo made.
type demo struct {
	c *nodeenv.Cluster
	// client prints the API server's warnings.
	client client.Client
	n      *narrator
	// hosts are the hostAliases the example pods get: the Services' names
	// and cluster IPs.
	hosts []corev1.HostAlias
	// pods and jobs are the example pods (the Jobs' too) and Jobs.
	pods, jobs []string
}

func newDemo(c *nodeenv.Cluster, n *narrator) (*demo, error) {
	cfg := rest.CopyConfig(c.Config)
	cfg.WarningHandler = warningPrinter{n}
	cl, err := client.New(cfg, client.Options{Scheme: c.Client.Scheme()})
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", cfg.Host, err)
	}
	return &demo{c: c, client: cl, n: n}, nil
}

func (d *demo) apply(ctx context.Context, u *unstructured.Unstructured) error {
	return d.client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u.DeepCopy()), fieldOwner, client.ForceOwnership)
}

// showWebhookPods shows the webhook's replicas as the kubelet runs them.
func (d *demo) showWebhookPods(ctx context.Context) error {
	var pods corev1.PodList
	if err := d.c.Client.List(ctx, &pods, client.InNamespace(nodeenv.Namespace), nodeenv.WebhookPods); err != nil {
		return fmt.Errorf("listing the webhook's pods: %w", err)
	}
	for _, p := range pods.Items {
		if p.DeletionTimestamp != nil {
			continue
		}
		for _, s := range p.Status.ContainerStatuses {
			d.n.line("pod %s: %s, %s, ready %v, %s", p.Name, p.Status.Phase, s.Image, s.Ready, shortID(s.ContainerID))
		}
	}
	d.n.line("(%s is bin/webhook packaged as `make images` packages it, under the manifests' reference)", d.c.Images.Webhook)
	d.n.done("the API server calls stagehand for the pods of opted-in namespaces")
	return nil
}

// removeEarlier deletes the examples' namespace left by an earlier demo on
// a cluster that was kept, and waits until it is gone.
func (d *demo) removeEarlier(ctx context.Context) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace}}
	err := d.c.Client.Delete(ctx, ns)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting namespace %s of an earlier demo: %w", Namespace, err)
	}
	d.n.line("removing namespace %s, left by an earlier demo", Namespace)
	err = wait.PollUntilContextTimeout(ctx, pollInterval, removeTimeout, true, func(ctx context.Context) (bool, error) {
		return apierrors.IsNotFound(d.c.Client.Get(ctx, client.ObjectKeyFromObject(ns), ns)), nil
	})
	if err != nil {
		return fmt.Errorf("namespace %s of an earlier demo still there after %v: %w", Namespace, removeTimeout, err)
	}
	return nil
}

// cleanup deletes the examples' namespace, without waiting.
func (d *demo) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = d.c.Client.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace}})
}

// shortID shortens a container ID (containerd://<64 hex>) to 12 hex digits.
func shortID(id string) string {
	scheme, hex, ok := strings.Cut(id, "://")
	if !ok || len(hex) <= 12 {
		return id
	}
	return scheme + "://" + hex[:12]
}
