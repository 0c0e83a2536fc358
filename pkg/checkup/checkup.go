package checkup

import (
	"context"
	"fmt"
	"time"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	apimachineryversion "k8s.io/apimachinery/pkg/version"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// DefaultTimeout bounds each read when Options.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Certificates says where an installation's TLS material comes from.
type Certificates string

// The modes of Options.Certificates.
const (
	// Detect: from the installation, cert-manager when its webhook
	// configurations carry cert-manager.io/inject-ca-from.
	Detect Certificates = ""
	// CertManager: manifests/cert-manager, or the chart's
	// certificates.mode=cert-manager.
	CertManager Certificates = "cert-manager"
	// SelfSigned: manifests/self-signed with `make certs`, or the chart's
	// own CA.
	SelfSigned Certificates = "self-signed"
)

// Options say what to check.
type Options struct {
	// Namespace is where stagehand is installed.
	Namespace string
	// Certificates is the installation's mode before it is installed; an
	// installation's webhook configurations tell it themselves.
	Certificates Certificates
	// Timeout bounds each read; DefaultTimeout when zero.
	Timeout time.Duration
	// Now is the time certificates are checked at; time.Now when nil.
	Now func() time.Time
}

// Discovery is what a check asks the API server's discovery:
// discovery.DiscoveryInterface has it. Its calls take no context: the
// client's own timeout (rest.Config.Timeout) must bound them too.
type Discovery interface {
	ServerVersion() (*apimachineryversion.Info, error)
	ServerResourcesForGroupVersion(groupVersion string) (*metav1.APIResourceList, error)
}

// Checker checks one cluster. Client's scheme must hold the types of
// NewScheme.
type Checker struct {
	Client    client.Reader
	Discovery Discovery
	Options
}

// Run checks every item. Its error is only for manifests/ that cannot be
// read (a broken build); what it finds in the cluster is in the Report.
func (c *Checker) Run(ctx context.Context) (Report, error) {
	names, err := shippedNames()
	if err != nil {
		return nil, err
	}
	r := &run{Checker: c, names: names, timeout: c.Timeout, now: time.Now()}
	if r.timeout <= 0 {
		r.timeout = DefaultTimeout
	}
	if c.Now != nil {
		r.now = c.Now()
	}
	info, err := within(ctx, r.timeout, c.Discovery.ServerVersion)
	report := Report{versionResult(info, err)}
	if err != nil {
		return append(report, skipRest("the API server is not reachable")), nil
	}
	r.load(ctx)
	report = append(report, r.crd(ctx))
	report = append(report, r.certManager(ctx)...)
	report = append(report, r.deployment(), r.service(ctx), r.caBundle(), r.serving(ctx))
	report = append(report, r.guards(ctx)...)
	return append(report, r.namespaces(ctx)), nil
}

// NotConnected is the report when there is no cluster to check: the
// kubeconfig cannot be loaded.
func NotConnected(err error) Report {
	return Report{{
		Status: Fail, Item: itemAPIServer, Found: "no cluster to check: " + err.Error(),
		Hint: "point at a cluster: --kubeconfig FILE, --context NAME or KUBECONFIG (kubectl config get-contexts)",
	}, skipRest("there is no cluster")}
}

// itemAPIServer names the first item; itemRest stands for the others when
// they cannot be checked.
const (
	itemAPIServer = "API server"
	itemRest      = "other items"
)

func skipRest(why string) Result {
	return Result{Status: Skip, Item: itemRest, Found: "not checked: " + why}
}

// run is one check: what the items share of the cluster.
type run struct {
	*Checker
	names   shipped
	timeout time.Duration
	now     time.Time

	// The installation's objects, nil when missing; their errors when
	// reading failed otherwise.
	mwc            *admissionregistrationv1.MutatingWebhookConfiguration
	vwc            *admissionregistrationv1.ValidatingWebhookConfiguration
	deploy         *appsv1.Deployment
	mwcErr, vwcErr error
	deployErr      error
	mode           Certificates
	certificate    types.NamespacedName
	helmRelease    string
}

// load reads the webhook configurations and the Deployment, and tells the
// installation's mode from them.
func (r *run) load(ctx context.Context) {
	mwc := &admissionregistrationv1.MutatingWebhookConfiguration{}
	if r.mwcErr = r.get(ctx, client.ObjectKey{Name: r.names.mutating}, mwc); r.mwcErr == nil {
		r.mwc = mwc
	}
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	if r.vwcErr = r.get(ctx, client.ObjectKey{Name: r.names.validating}, vwc); r.vwcErr == nil {
		r.vwc = vwc
	}
	d := &appsv1.Deployment{}
	if r.deployErr = r.get(ctx, r.key(r.names.deployment), d); r.deployErr == nil {
		r.deploy = d
	}
	r.mode = r.Certificates
	var installed []metav1.Object
	if r.mwc != nil {
		installed = append(installed, r.mwc)
	}
	if r.vwc != nil {
		installed = append(installed, r.vwc)
	}
	if len(installed) > 0 {
		// The installation tells its mode: cainjector's annotation, or
		// a CA bundle of its own.
		r.mode = SelfSigned
	}
	for _, o := range installed {
		if from := o.GetAnnotations()[cmv1.WantInjectAnnotation]; from != "" {
			r.mode = CertManager
			r.certificate = parseNamespacedName(from)
		}
		if o.GetLabels()["app.kubernetes.io/managed-by"] == "Helm" {
			r.helmRelease = o.GetLabels()["app.kubernetes.io/instance"]
		}
	}
	r.findCertificate(ctx)
}

// key names an object in stagehand's namespace.
func (r *run) key(name string) client.ObjectKey {
	return client.ObjectKey{Namespace: r.Namespace, Name: name}
}

// get reads one object within the timeout.
func (r *run) get(ctx context.Context, key client.ObjectKey, obj client.Object) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	return r.Client.Get(ctx, key, obj)
}

// list reads a list within the timeout.
func (r *run) list(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	return r.Client.List(ctx, list, opts...)
}

// readProblem is the result of an item whose object could not be read:
// missing, it fails with hint; forbidden, the item is skipped, saying so.
func (r *run) readProblem(item, what string, err error, hint string) Result {
	switch {
	case apierrors.IsNotFound(err):
		return Result{Status: Fail, Item: item, Found: what + " not found", Hint: hint}
	case apierrors.IsForbidden(err):
		return Result{Status: Skip, Item: item, Found: "cannot read " + what + ": " + err.Error()}
	case apierrors.IsUnauthorized(err):
		return Result{Status: Fail, Item: item, Found: "reading " + what + ": " + err.Error(),
			Hint: "the API server refuses the kubeconfig's credentials: kubectl auth whoami; log in again"}
	}
	return Result{Status: Fail, Item: item, Found: "reading " + what + ": " + err.Error(),
		Hint: "rerun; a slow API server needs a longer --request-timeout"}
}

// within calls f, or gives up after d. A call given up on is left to its
// client's own timeout.
func within[T any](ctx context.Context, d time.Duration, f func() (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case res := <-done:
		return res.v, res.err
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("no answer within %v: %w", d, ctx.Err())
	}
}
