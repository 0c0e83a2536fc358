package integration

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/stagehand-k8s/stagehand/internal/testenv"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/profiles"
	"github.com/stagehand-k8s/stagehand/pkg/webhook"
)

// manifestPath is the shipped webhook configuration, installed as is, as
// is profileManifestPath, the InjectionProfile validator's.
const (
	manifestPath        = "../../manifests/base/mutatingwebhookconfiguration.yaml"
	profileManifestPath = "../../manifests/base/validatingwebhookconfiguration.yaml"
)

// Bounds on every wait, so that a broken setup fails instead of hanging.
const (
	waitTimeout  = testenv.WaitTimeout
	pollInterval = testenv.PollInterval
)

// suite is the API server and webhook server that every test shares.
type suite struct {
	*testenv.Env
	client client.Client
	// calls records what the API server sent to stagehand's handler.
	calls *recorder
	// other records what it sent to the second webhook of reinvoke_test.go.
	other *recorder
}

var shared testenv.Shared[*suite]

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(shared.Main(m, "integration", start))
}

// env returns the shared suite, or skips the test when there is none.
func env(t *testing.T) *suite {
	t.Helper()
	return shared.Get(t)
}

// start runs the API server with the shipped webhook configuration and
// serves stagehand's handler where envtest pointed the configuration. stop
// is always safe to call.
func start() (*suite, func(), error) {
	e, stopEnv, err := testenv.Start(testenv.Options{WebhookPaths: []string{manifestPath, profileManifestPath}, CRDPaths: []string{crdPath}})
	ctx, cancel := context.WithCancel(context.Background())
	stop := func() { stopEnv(); cancel() }
	if err != nil {
		return nil, stop, err
	}
	watch, err := e.WatchProfiles(ctx)
	if err != nil {
		return nil, stop, err
	}
	events, stopEvents, err := webhook.NewEvents(e.Env.Config)
	if err != nil {
		return nil, stop, err
	}
	stop = func() { stopEvents(); stopEnv(); cancel() }
	s := &suite{
		Env:    e,
		client: e.Client,
		calls: &recorder{next: &webhook.Handler{
			Injector: inject.New(injectOptions),
			Cache:    webhook.NewCache(64),
			Profiles: profiles.Cached{Reader: watch},
			Events:   events,
		}},
		other: &recorder{next: &admission.Webhook{Handler: admission.HandlerFunc(addOtherChange)}},
	}
	err = e.Serve(ctx, map[string]http.Handler{
		webhook.Path: s.calls, otherPath: s.other,
		webhook.ProfilePath: webhook.NewProfileValidator(injectOptions),
	})
	if err != nil {
		return nil, stop, fmt.Errorf("waiting for the webhook server: %w", err)
	}
	if err := waitForInjection(ctx, s.client); err != nil {
		return nil, stop, err
	}
	return s, stop, nil
}

// injectOptions configure the suite's webhook.
var injectOptions = inject.Options{Version: "test", AgentImage: "registry.example.com/stagehand/agent:test"}

// waitForInjection waits until the API server calls the webhook: envtest
// only waits until the configuration is stored, not until the API server
// uses it, and a test that expects no injection would pass before then.
func waitForInjection(ctx context.Context, c client.Client) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   "stagehand-it-probe",
		Labels: map[string]string{annotations.NamespaceLabel: annotations.NamespaceLabelEnabled},
	}}
	if err := c.Create(ctx, ns); err != nil {
		return fmt.Errorf("creating the probe namespace: %w", err)
	}
	if err := c.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns.Name}}); err != nil {
		return fmt.Errorf("creating the probe ServiceAccount: %w", err)
	}
	var last error
	err := wait.PollUntilContextTimeout(ctx, pollInterval, waitTimeout, true, func(ctx context.Context) (bool, error) {
		pod := sparkDriver("probe", map[string]string{inject.ServiceAccountToken: "true"})
		pod.Namespace = ns.Name
		last = c.Create(ctx, pod, client.DryRunAll)
		_, injected := pod.Annotations[annotations.Status]
		return last == nil && injected, nil
	})
	if err != nil {
		return fmt.Errorf("the API server never called the webhook (last create error: %v): %w", last, err)
	}
	return nil
}
