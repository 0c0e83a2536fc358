package plugin

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/stagehand-k8s/stagehand/internal/overlay"
	"github.com/stagehand-k8s/stagehand/internal/testenv"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/installation"
	"github.com/stagehand-k8s/stagehand/pkg/profiles"
	"github.com/stagehand-k8s/stagehand/pkg/version"
	"github.com/stagehand-k8s/stagehand/pkg/webhook"
)

// Paths in the repository.
const (
	manifestsDir = "../../manifests"
	pluginPkg    = "../../cmd/kubectl-stagehand"
)

// suite is the API server, the local webhook server and the plugin.
type suite struct {
	*testenv.Env
	client client.Client
	// plugin is the built kubectl-stagehand, kubeconfig a kubeconfig of
	// the API server for it.
	plugin, kubeconfig string
	// served are the injection options the webhook server runs with.
	served inject.Options
}

var shared testenv.Shared[*suite]

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(shared.Main(m, "plugin", start))
}

func env(t *testing.T) *suite {
	t.Helper()
	return shared.Get(t)
}

// start builds the plugin, runs the API server with the shipped webhook
// configurations and the CRD, installs the base's namespace, Deployment and
// ConfigMap, and serves stagehand's handler with the settings read from
// them. stop is always safe to call.
func start() (*suite, func(), error) {
	dir, err := os.MkdirTemp("", "stagehand-plugin-")
	if err != nil {
		return nil, func() {}, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	s := &suite{plugin: filepath.Join(dir, "kubectl-stagehand"), kubeconfig: filepath.Join(dir, "kubeconfig")}
	if out, err := exec.Command("go", "build", "-o", s.plugin, pluginPkg).CombinedOutput(); err != nil {
		return nil, cleanup, fmt.Errorf("building the plugin: %v\n%s", err, out)
	}
	base := filepath.Join(manifestsDir, "base")
	e, stopEnv, err := testenv.Start(testenv.Options{
		WebhookPaths: []string{filepath.Join(base, "mutatingwebhookconfiguration.yaml"), filepath.Join(base, "validatingwebhookconfiguration.yaml")},
		CRDPaths:     []string{filepath.Join(base, "crd")},
	})
	ctx, cancel := context.WithCancel(context.Background())
	stop := func() { stopEnv(); cancel(); cleanup() }
	if err != nil {
		return nil, stop, err
	}
	s.Env = e
	// The client knows InjectionProfiles, as the plugin's does.
	if s.client, err = installation.NewClient(e.Env.Config); err != nil {
		return nil, stop, err
	}
	if err := s.writeKubeconfig(); err != nil {
		return nil, stop, err
	}
	if err := s.install(ctx, base); err != nil {
		return nil, stop, err
	}
	settings, err := installation.Read(ctx, s.client, installation.DefaultNamespace)
	if err != nil {
		return nil, stop, fmt.Errorf("reading the installed settings: %w", err)
	}
	s.served = settings.Injection.InjectOptions()
	s.served.Version = version.Version
	watch, err := e.WatchProfiles(ctx)
	if err != nil {
		return nil, stop, err
	}
	events, stopEvents, err := webhook.NewEvents(e.Env.Config)
	if err != nil {
		return nil, stop, err
	}
	stop = func() { stopEvents(); stopEnv(); cancel(); cleanup() }
	err = e.Serve(ctx, map[string]http.Handler{
		webhook.Path:        &webhook.Handler{Injector: inject.New(s.served), Profiles: profiles.Cached{Reader: watch}, Events: events},
		webhook.ProfilePath: webhook.NewProfileValidator(s.served),
	})
	if err != nil {
		return nil, stop, fmt.Errorf("waiting for the webhook server: %w", err)
	}
	if err := s.waitForInjection(ctx); err != nil {
		return nil, stop, err
	}
	return s, stop, nil
}

// writeKubeconfig writes a kubeconfig of an admin of the API server.
func (s *suite) writeKubeconfig() error {
	user, err := s.Env.Env.AddUser(envtest.User{Name: "plugin-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	kc, err := user.KubeConfig()
	if err != nil {
		return err
	}
	return os.WriteFile(s.kubeconfig, kc, 0o600)
}

// installedKinds are the objects of manifests/base the plugin reads, which
// envtest does not install itself.
var installedKinds = []string{"Namespace", "ServiceAccount", "ConfigMap", "Deployment"}

// install creates the base's objects of installedKinds, as `kubectl apply
// -k manifests/...` would.
func (s *suite) install(ctx context.Context, base string) error {
	objects, err := overlay.Build(base)
	if err != nil {
		return err
	}
	for _, u := range objects {
		if !slices.Contains(installedKinds, u.GetKind()) {
			continue
		}
		if err := s.client.Create(ctx, u); err != nil {
			return fmt.Errorf("creating %s %s: %w", u.GetKind(), u.GetName(), err)
		}
	}
	return nil
}

// waitForInjection waits until the API server calls the webhook: envtest
// only waits until the configuration is stored.
func (s *suite) waitForInjection(ctx context.Context) error {
	ns, err := s.createNamespace(ctx, optedIn)
	if err != nil {
		return err
	}
	var last error
	err = wait.PollUntilContextTimeout(ctx, testenv.PollInterval, testenv.WaitTimeout, true, func(ctx context.Context) (bool, error) {
		pod := executor("probe", map[string]string{inject.ServiceAccountToken: "true"})
		pod.Namespace = ns
		last = s.client.Create(ctx, pod, client.DryRunAll)
		return last == nil && injected(pod), nil
	})
	if err != nil {
		return fmt.Errorf("the API server never called the webhook (last create error: %v): %w", last, err)
	}
	return nil
}
