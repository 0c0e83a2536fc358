package manifests

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/stagehand-k8s/stagehand/internal/testenv"
	"github.com/stagehand-k8s/stagehand/pkg/config"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/profiles"
	"github.com/stagehand-k8s/stagehand/pkg/webhook"
)

// Bounds on every wait, so that a broken setup fails instead of hanging.
const (
	waitTimeout  = testenv.WaitTimeout
	pollInterval = testenv.PollInterval
)

// fieldOwner applies every object, so that re-applying an object replaces
// what an earlier apply of it set.
const fieldOwner = client.FieldOwner("stagehand-manifests-test")

// suite is the API server and the local webhook server every test shares.
type suite struct {
	*testenv.Env
	client client.Client
	// base is manifests/base as built in TestMain.
	base *overlay
	// profiles is the webhook's cache of InjectionProfiles, as `webhook
	// serve` keeps it.
	profiles cache.Cache
	// down lists the namespaces for which stagehand's webhook is down.
	down downNamespaces
}

var shared testenv.Shared[*suite]

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(shared.Main(m, "manifests", start))
}

// env returns the shared suite, or skips the test when there is none.
func env(t *testing.T) *suite {
	t.Helper()
	return shared.Get(t)
}

// start runs the API server with cert-manager's CRDs and the base's
// InjectionProfile CRD, serves stagehand's handler (configured as the base
// Deployment configures it, reading profiles from a cache as `webhook serve`
// does), its profile validator and the strip webhook locally, and installs
// the base's webhook configurations, pointed at that server, and its guard
// policies. stop is always safe to call.
func start() (*suite, func(), error) {
	crds, err := testenv.CertManagerCRDs()
	if err != nil {
		return nil, func() {}, err
	}
	base, err := build(filepath.Join(manifestsDir, "base"))
	if err != nil {
		return nil, func() {}, err
	}
	opts, cleanup, err := injectOptions(base)
	if err != nil {
		return nil, func() {}, err
	}
	e, stopEnv, err := testenv.Start(testenv.Options{CRDPaths: []string{crds, filepath.Join(manifestsDir, "base", "crd")}})
	ctx, cancel := context.WithCancel(context.Background())
	stop := func() { stopEnv(); cancel(); cleanup() }
	if err != nil {
		return nil, stop, err
	}
	watch, err := e.WatchProfiles(ctx)
	if err != nil {
		return nil, stop, err
	}
	s := &suite{Env: e, client: e.Client, base: base, profiles: watch}
	if err := s.serve(ctx, opts); err != nil {
		return nil, stop, err
	}
	if err := s.installAdmission(ctx); err != nil {
		return nil, stop, err
	}
	return s, stop, nil
}

// injectOptions configures the injector from the base Deployment's env and
// the entrypoint map of its ConfigMap, through package config, as `webhook
// serve` in the cluster reads them.
func injectOptions(base *overlay) (inject.Options, func(), error) {
	dir, err := os.MkdirTemp("", "stagehand-manifests-")
	if err != nil {
		return inject.Options{}, func() {}, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	entrypoints, err := configMapData(base, "stagehand-entrypoints", "entrypoints.yaml")
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "entrypoints.yaml"), []byte(entrypoints), 0o644)
	}
	if err != nil {
		return inject.Options{}, cleanup, err
	}
	env, err := deploymentEnv(base)
	if err != nil {
		return inject.Options{}, cleanup, err
	}
	for _, name := range []string{"STAGEHAND_STRICT", "STAGEHAND_AGENT_IMAGE", "STAGEHAND_ALLOWED_DEPENDENCY_HOSTS"} {
		if err := os.Setenv(name, env[name]); err != nil {
			return inject.Options{}, cleanup, err
		}
	}
	if err := os.Setenv("STAGEHAND_ENTRYPOINTS", filepath.Join(dir, "entrypoints.yaml")); err != nil {
		return inject.Options{}, cleanup, err
	}
	w, err := config.LoadInjection(nil, nil)
	if err != nil {
		return inject.Options{}, cleanup, fmt.Errorf("the base Deployment's injection settings: %w", err)
	}
	return w.InjectOptions(), cleanup, nil
}

// serve runs stagehand's handler, its profile validator and the strip
// webhook where envtest made serving certificates for.
func (s *suite) serve(ctx context.Context, opts inject.Options) error {
	return s.Serve(ctx, map[string]http.Handler{
		webhook.Path: s.down.wrap(&webhook.Handler{
			Injector: inject.New(opts), Cache: webhook.NewCache(64), Profiles: profiles.Cached{Reader: s.profiles},
		}),
		webhook.ProfilePath: webhook.NewProfileValidator(opts),
		stripPath:           &admission.Webhook{Handler: admission.HandlerFunc(strip)},
	})
}

// installAdmission installs the base's webhook configurations and guards,
// and the strip webhook, and waits until the API server uses them.
func (s *suite) installAdmission(ctx context.Context) error {
	kinds := []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}
	for _, kind := range kinds {
		for _, u := range s.base.objects {
			if u.GetKind() != kind {
				continue
			}
			if err := s.apply(ctx, s.localize(u)); err != nil {
				return fmt.Errorf("installing %s %s: %w", kind, u.GetName(), err)
			}
		}
	}
	if err := s.client.Create(ctx, s.stripConfiguration()); err != nil {
		return fmt.Errorf("installing the strip webhook: %w", err)
	}
	return s.waitForAdmission(ctx)
}

// apply applies one object with server-side apply.
func (s *suite) apply(ctx context.Context, u *unstructured.Unstructured, opts ...client.ApplyOption) error {
	if !slices.Contains(opts, client.ApplyOption(client.DryRunAll)) {
		if err := loopbackOnly(u); err != nil {
			return err
		}
	}
	opts = append([]client.ApplyOption{fieldOwner, client.ForceOwnership}, opts...)
	return s.client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u.DeepCopy()), opts...)
}

// waitForAdmission waits until the API server calls stagehand's webhook and
// the strip webhook and enforces the guard: envtest only waits until the
// objects are stored, not until the API server uses them.
func (s *suite) waitForAdmission(ctx context.Context) error {
	ns, err := s.createNamespace(ctx, "stagehand-manifests-probe", stripNamespaceLabels())
	if err != nil {
		return err
	}
	var last error
	err = wait.PollUntilContextTimeout(ctx, pollInterval, waitTimeout, true, func(ctx context.Context) (bool, error) {
		pod := agentPod("probe", stripInit)
		pod.Namespace = ns
		last = s.client.Create(ctx, pod, client.DryRunAll)
		return last != nil && isGuardDenial(last), nil
	})
	if err != nil {
		return fmt.Errorf("the API server never enforced the guard after the strip webhook (last create error: %v): %w", last, err)
	}
	return nil
}

// isGuardDenial tells a denial of stagehand-guard from other errors.
func isGuardDenial(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if containsAll(e.Error(), "stagehand-guard", "stagehand guard:") {
			return true
		}
	}
	return false
}

// loopbackOnly refuses a webhook configuration that would make the API
// server call anything but a loopback URL: a Service's name resolves to
// wherever this machine's resolver says, and tests must never reach out.
func loopbackOnly(u *unstructured.Unstructured) error {
	if u.GetKind() != "MutatingWebhookConfiguration" && u.GetKind() != "ValidatingWebhookConfiguration" {
		return nil
	}
	hooks, _, _ := unstructured.NestedSlice(u.Object, "webhooks")
	for _, h := range hooks {
		raw, _, _ := unstructured.NestedString(h.(map[string]any), "clientConfig", "url")
		if parsed, err := url.Parse(raw); err != nil || parsed.Hostname() != "127.0.0.1" {
			return fmt.Errorf("%s %s: webhook %v calls %q, not 127.0.0.1: localize it first", u.GetKind(), u.GetName(), h.(map[string]any)["name"], raw)
		}
	}
	return nil
}
