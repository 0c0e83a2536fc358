package checkup

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// crd checks the InjectionProfile CRD: installed and Established.
func (r *run) crd(ctx context.Context) Result {
	item := "CRD " + r.names.crd
	var crd apiextensionsv1.CustomResourceDefinition
	if err := r.get(ctx, client.ObjectKey{Name: r.names.crd}, &crd); err != nil {
		return r.readProblem(item, "CustomResourceDefinition "+r.names.crd, err, r.installHint())
	}
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
			var served []string
			for _, v := range crd.Spec.Versions {
				if v.Served {
					served = append(served, crd.Spec.Group+"/"+v.Name)
				}
			}
			return Result{Status: Pass, Item: item, Found: fmt.Sprintf("Established, serves %s %s", strings.Join(served, ", "), crd.Spec.Names.Kind)}
		}
	}
	return Result{Status: Fail, Item: item, Found: "not Established: " + conditionsOf(crd.Status.Conditions),
		Hint: "kubectl describe crd " + r.names.crd + "; " + r.installHint()}
}

func conditionsOf(cs []apiextensionsv1.CustomResourceDefinitionCondition) string {
	if len(cs) == 0 {
		return "no conditions yet"
	}
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s=%s %s", c.Type, c.Status, c.Message))
	}
	return strings.Join(out, "; ")
}

// certManagerKinds are the kinds of cert-manager's that manifests/cert-manager
// creates.
var certManagerKinds = []string{cmv1.IssuerKind, cmv1.CertificateKind}

// certManager checks, when the installation uses cert-manager, that its
// CRDs are served and, once installed, that the Certificate whose CA the
// webhook configurations take is Ready. Nothing when it does not.
func (r *run) certManager(ctx context.Context) []Result {
	if r.mode != CertManager {
		return nil
	}
	gv := cmv1.SchemeGroupVersion
	res := Result{Status: Fail, Item: "cert-manager"}
	list, err := within(ctx, r.timeout, func() (*metav1.APIResourceList, error) {
		return r.Discovery.ServerResourcesForGroupVersion(gv.String())
	})
	var served, missing []string
	if err == nil {
		for _, kind := range certManagerKinds {
			i := slices.IndexFunc(list.APIResources, func(a metav1.APIResource) bool {
				return a.Kind == kind && !strings.Contains(a.Name, "/")
			})
			if i < 0 {
				missing = append(missing, kind)
			} else {
				served = append(served, list.APIResources[i].Name+"."+gv.Group)
			}
		}
	}
	switch {
	case apierrors.IsNotFound(err):
		res.Found = gv.String() + " is not served: cert-manager is not installed, and nothing issues the webhook's certificate"
	case err != nil:
		res = r.readProblem(res.Item, "the API server's discovery of "+gv.String(), err, "")
	case len(missing) > 0:
		res.Found = fmt.Sprintf("%s serves no %s: cert-manager's CRDs are incomplete", gv, strings.Join(missing, ", "))
	default:
		res.Status, res.Found = Pass, fmt.Sprintf("serves %s (%s)", strings.Join(served, ", "), gv)
	}
	if res.Status == Fail && res.Hint == "" {
		res.Hint = "install cert-manager first (https://cert-manager.io/docs/installation/), then " + installCertManager +
			"; without cert-manager: " + installSelfSigned
	}
	out := []Result{res}
	if r.certificate.Name == "" {
		return out
	}
	if res.Status != Pass {
		return append(out, Result{Status: Skip, Item: r.certificateItem(), Found: "not checked: cert-manager is not installed"})
	}
	return append(out, r.certificateReady(ctx))
}

func (r *run) certificateItem() string { return "Certificate " + r.certificate.String() }

// certificateReady checks the Certificate the webhook configurations take
// their CA from.
func (r *run) certificateReady(ctx context.Context) Result {
	item := r.certificateItem()
	describe := fmt.Sprintf("kubectl -n %s describe certificate %s; cert-manager's own state: kubectl -n cert-manager get pods",
		r.certificate.Namespace, r.certificate.Name)
	var cert cmv1.Certificate
	if err := r.get(ctx, r.certificate, &cert); err != nil {
		return r.readProblem(item, item, err, r.installHint())
	}
	for _, c := range cert.Status.Conditions {
		if c.Type != cmv1.CertificateConditionReady {
			continue
		}
		if c.Status != cmmeta.ConditionTrue {
			return Result{Status: Fail, Item: item, Found: fmt.Sprintf("not Ready: %s: %s", c.Reason, c.Message), Hint: describe}
		}
		found := "Ready: " + c.Message
		if t := cert.Status.RenewalTime; t != nil {
			found += ", renewed at " + t.UTC().Format(time.RFC3339)
		}
		return Result{Status: Pass, Item: item, Found: found}
	}
	return Result{Status: Fail, Item: item, Found: "not Ready: cert-manager has not processed it (no Ready condition)", Hint: describe}
}

// findCertificate looks, when the webhook configurations do not name a
// Certificate, for the one that writes the Deployment's TLS Secret: before
// the webhook configurations are applied, or when they lost their
// annotation, it tells the installation uses cert-manager. Without
// cert-manager's CRDs, or without leave to list Certificates, there is none.
func (r *run) findCertificate(ctx context.Context) {
	if r.mwc != nil || r.vwc != nil || r.mode == SelfSigned {
		return
	}
	var certs cmv1.CertificateList
	if err := r.list(ctx, &certs, client.InNamespace(r.Namespace)); err != nil {
		return
	}
	secret := r.names.tlsSecretOf(r.deploy)
	for _, c := range certs.Items {
		if c.Spec.SecretName == secret {
			r.mode, r.certificate = CertManager, client.ObjectKeyFromObject(&c)
			return
		}
	}
}

// parseNamespacedName reads cert-manager.io/inject-ca-from's
// "namespace/name".
func parseNamespacedName(s string) types.NamespacedName {
	ns, name, ok := strings.Cut(s, "/")
	if !ok {
		return types.NamespacedName{Name: s}
	}
	return types.NamespacedName{Namespace: ns, Name: name}
}
