package testenv

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
)

// Bounds on every wait, so that a broken setup fails instead of hanging.
const (
	StartTimeout   = 90 * time.Second
	WaitTimeout    = 30 * time.Second
	RequestTimeout = 20 * time.Second
	PollInterval   = 100 * time.Millisecond
)

// SkipReason says why integration tests cannot run, or "" when they can.
func SkipReason() string {
	switch {
	case testing.Short():
		return "-short: the integration tests need an API server"
	case os.Getenv("KUBEBUILDER_ASSETS") == "":
		return "KUBEBUILDER_ASSETS is unset: run `make envtest-assets` and the tests through make, or export it"
	}
	return ""
}

// Options say what to install when the API server starts.
type Options struct {
	// WebhookPaths are webhook configuration files; envtest points them at
	// its local serving host and port.
	WebhookPaths []string
	// CRDPaths are directories or files of CRDs.
	CRDPaths []string
}

// Env is a running API server with a client, and where webhooks are served.
type Env struct {
	Env    *envtest.Environment
	Client client.Client
	// URL is the local webhook server's base URL, CABundle its CA.
	URL      string
	CABundle []byte
}

// Start runs the API server. The ServiceAccount admission plugin, which
// envtest disables, runs as in a real cluster: pods must name
// ServiceAccounts that exist and carry the kubelet's token volume before
// mutating webhooks see them. stop is always safe to call.
func Start(opts Options) (*Env, func(), error) {
	e := &envtest.Environment{
		WebhookInstallOptions:    envtest.WebhookInstallOptions{Paths: opts.WebhookPaths, MaxTime: WaitTimeout, PollInterval: PollInterval},
		ControlPlaneStartTimeout: StartTimeout,
		ControlPlaneStopTimeout:  WaitTimeout,
	}
	if len(opts.CRDPaths) > 0 {
		e.CRDInstallOptions = envtest.CRDInstallOptions{Paths: opts.CRDPaths, ErrorIfPathMissing: true}
	}
	e.ControlPlane.GetAPIServer().Configure().Disable("disable-admission-plugins")
	stop := func() {
		if err := e.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the API server:", err)
		}
	}
	cfg, err := e.Start()
	if err != nil {
		return nil, stop, err
	}
	cfg.Timeout = RequestTimeout
	c, err := client.New(cfg, client.Options{Scheme: clientgoscheme.Scheme})
	if err != nil {
		return nil, stop, err
	}
	o := e.WebhookInstallOptions
	return &Env{
		Env: e, Client: c,
		URL:      "https://" + net.JoinHostPort(o.LocalServingHost, strconv.Itoa(o.LocalServingPort)),
		CABundle: o.LocalServingCAData,
	}, stop, nil
}

// Serve runs a webhook server with handlers (path to handler) on the host,
// port and certificates envtest prepared, until ctx ends, and waits until it
// serves.
func (e *Env) Serve(ctx context.Context, handlers map[string]http.Handler) error {
	o := e.Env.WebhookInstallOptions
	srv := ctrlwebhook.NewServer(ctrlwebhook.Options{Host: o.LocalServingHost, Port: o.LocalServingPort, CertDir: o.LocalServingCertDir})
	for path, h := range handlers {
		srv.Register(path, h)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Start(ctx) }()
	started := srv.StartedChecker()
	return wait.PollUntilContextTimeout(ctx, PollInterval, WaitTimeout, true, func(context.Context) (bool, error) {
		select {
		case err := <-served:
			return false, fmt.Errorf("webhook server stopped: %w", err)
		default:
		}
		return started(nil) == nil, nil
	})
}
