package nodeenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/internal/certs"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
)

// KubeconfigEnv names the environment variable that holds the admin's
// kubeconfig of the node's cluster; hack/test.sh sets it after `make
// cluster-up`.
const KubeconfigEnv = "STAGEHAND_NODE_KUBECONFIG"

// FieldOwner is the field manager of everything Install applies.
const FieldOwner = client.FieldOwner("stagehand-nodeenv")

// Options say what to install and where.
type Options struct {
	// Root is the repository's root: manifests/, certs/ and hack/cluster.
	Root string
	// Kubeconfig is the admin's kubeconfig of the cluster.
	Kubeconfig string
	// Bin holds the static webhook and agent binaries (`make build`);
	// Root/bin when empty.
	Bin string
	// Logf reports progress; nothing when nil.
	Logf func(format string, args ...any)
}

// Cluster is stagehand installed on the node's cluster.
type Cluster struct {
	Config    *rest.Config
	Client    client.Client
	Clientset kubernetes.Interface
	// Objects are the applied objects of the self-signed overlay.
	Objects []*unstructured.Unstructured
	// Images are the images the manifests run, as imported.
	Images Images
	root   string
	logf   func(format string, args ...any)
}

// Connect returns clients for the cluster of kubeconfig, without
// installing anything.
func Connect(kubeconfig string) (*Cluster, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("reading kubeconfig %s: %w", kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", cfg.Host, err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("clientset for %s: %w", cfg.Host, err)
	}
	return &Cluster{Config: cfg, Client: c, Clientset: cs, logf: func(string, ...any) {}}, nil
}

// Install installs stagehand on the cluster of opts.Kubeconfig as an admin
// does (see the package documentation) and returns when the webhook
// answers the API server, or with an error naming what did not come up.
// Installing again over an installation updates it in place.
func Install(ctx context.Context, opts Options) (*Cluster, error) {
	c, err := Connect(opts.Kubeconfig)
	if err != nil {
		return nil, err
	}
	c.root = opts.Root
	if opts.Logf != nil {
		c.logf = opts.Logf
	}
	bin := opts.Bin
	if bin == "" {
		bin = filepath.Join(opts.Root, "bin")
	}
	tmp, err := os.MkdirTemp("", "stagehand-nodeenv-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	begin := time.Now()
	tls, err := c.installedTLS(ctx)
	if err != nil {
		return nil, err
	}
	if c.Objects, err = buildSelfSigned(opts.Root, tmp, tls); err != nil {
		return nil, err
	}
	if c.Images, err = imagesOf(c.Objects); err != nil {
		return nil, err
	}
	for _, im := range []struct{ binary, ref string }{
		{filepath.Join(bin, "webhook"), c.Images.Webhook},
		{filepath.Join(bin, "agent"), c.Images.Agent},
	} {
		if err := ImportImage(ctx, opts.Root, tmp, im.binary, im.ref); err != nil {
			return nil, err
		}
	}
	c.logf("images %s and %s imported", c.Images.Webhook, c.Images.Agent)
	for _, u := range c.Objects {
		if err := c.Apply(ctx, u); err != nil {
			return nil, fmt.Errorf("applying %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
		}
	}
	c.logf("%d objects of manifests/self-signed applied", len(c.Objects))
	if err := c.WaitWebhook(ctx); err != nil {
		return nil, err
	}
	c.logf("stagehand installed and answering in %v", time.Since(begin).Round(time.Millisecond))
	return c, nil
}

// Apply applies u server-side as FieldOwner, taking over conflicting
// fields (an admin's `kubectl apply --server-side --force-conflicts`).
func (c *Cluster) Apply(ctx context.Context, u *unstructured.Unstructured) error {
	return c.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u.DeepCopy()), FieldOwner, client.ForceOwnership)
}

// BusyboxImage is the busybox image cluster-up imports (hack/cluster.env).
const BusyboxImage = "stagehand.local/busybox:1.35.0"

// TLSSecret is the Secret of the webhook's TLS material (certs/kustomization.yaml).
const TLSSecret = "stagehand-webhook-tls"

// installedTLS returns the data of the TLS Secret of an earlier
// installation when it is complete, nil when there is none.
func (c *Cluster) installedTLS(ctx context.Context) (map[string][]byte, error) {
	var s corev1.Secret
	err := c.Client.Get(ctx, client.ObjectKey{Namespace: Namespace, Name: TLSSecret}, &s)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading Secret %s/%s: %w", Namespace, TLSSecret, err)
	}
	for _, k := range []string{certs.CACertFile, certs.CertFile, certs.KeyFile} {
		if len(s.Data[k]) == 0 {
			return nil, nil
		}
	}
	c.logf("reusing the TLS material of Secret %s/%s", Namespace, TLSSecret)
	return s.Data, nil
}
