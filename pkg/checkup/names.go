package checkup

import (
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/stagehand-k8s/stagehand/manifests"
)

// shipped are the names of the objects an installation makes, as
// manifests/base ships them; the chart renders the same names.
type shipped struct {
	crd                  string
	deployment, service  string
	mutating, validating string
	// policies are the guard ValidatingAdmissionPolicies.
	policies []string
	// tlsVolume is the Deployment's volume of the serving certificate's
	// Secret, tlsSecret that Secret.
	tlsVolume, tlsSecret string
}

// shippedNames reads the names from manifests.Base.
func shippedNames() (shipped, error) {
	objects, err := manifests.Base()
	if err != nil {
		return shipped{}, err
	}
	var s shipped
	for _, u := range objects {
		switch u.GetKind() {
		case "CustomResourceDefinition":
			s.crd = u.GetName()
		case "Service":
			s.service = u.GetName()
		case "MutatingWebhookConfiguration":
			s.mutating = u.GetName()
		case "ValidatingWebhookConfiguration":
			s.validating = u.GetName()
		case "ValidatingAdmissionPolicy":
			s.policies = append(s.policies, u.GetName())
		case "Deployment":
			var d appsv1.Deployment
			if err := fromUnstructured(u, &d); err != nil {
				return shipped{}, err
			}
			s.deployment = d.Name
			for _, v := range d.Spec.Template.Spec.Volumes {
				if v.Secret != nil {
					s.tlsVolume, s.tlsSecret = v.Name, v.Secret.SecretName
				}
			}
		}
	}
	if s.crd == "" || s.deployment == "" || s.service == "" || s.mutating == "" || s.validating == "" ||
		len(s.policies) == 0 || s.tlsSecret == "" {
		return shipped{}, fmt.Errorf("manifests/base lacks an object check looks for: %+v", s)
	}
	return s, nil
}

func fromUnstructured(u *unstructured.Unstructured, into any) error {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into); err != nil {
		return fmt.Errorf("the shipped %s %s: %w", u.GetKind(), u.GetName(), err)
	}
	return nil
}

// tlsSecretOf is the Secret the live Deployment mounts as the shipped one
// does, or the shipped Secret when there is no Deployment to tell.
func (s shipped) tlsSecretOf(d *appsv1.Deployment) string {
	if d != nil {
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.Name == s.tlsVolume && v.Secret != nil {
				return v.Secret.SecretName
			}
		}
	}
	return s.tlsSecret
}

// webhookHost is the DNS name the API server calls the webhook by, for
// which the serving certificate must be valid: its Service's
// name.namespace.svc, or the host of its URL.
func webhookHost(cc admissionregistrationv1.WebhookClientConfig) string {
	if cc.Service != nil {
		return cc.Service.Name + "." + cc.Service.Namespace + ".svc"
	}
	if cc.URL != nil {
		return hostOf(*cc.URL)
	}
	return ""
}
