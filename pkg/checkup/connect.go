package checkup

import (
	"fmt"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// NewScheme holds the types a check reads: Kubernetes', CRDs and
// cert-manager's.
func NewScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, cmv1.AddToScheme} {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// ForConfig is a Checker of the cluster of cfg. Every request is bounded
// by cfg.Timeout, or by opts.Timeout (DefaultTimeout when zero) when cfg
// has none.
func ForConfig(cfg *rest.Config, opts Options) (*Checker, error) {
	cfg = rest.CopyConfig(cfg)
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = opts.Timeout
	}
	opts.Timeout = cfg.Timeout
	scheme, err := NewScheme()
	if err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("a client for %s: %w", cfg.Host, err)
	}
	d, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("a discovery client for %s: %w", cfg.Host, err)
	}
	return &Checker{Client: c, Discovery: d, Options: opts}, nil
}
