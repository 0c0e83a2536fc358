package manifests

import (
	"testing"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestCertManagerObjectsDecode decodes the overlay's cert-manager objects
// into cert-manager's own Go types, strictly: a field cert-manager does not
// know, or a value of the wrong type, fails here before any cluster sees it.
func TestCertManagerObjectsDecode(t *testing.T) {
	o := buildOverlay(t, "cert-manager")
	var serving cmv1.Certificate
	u := o.find(t, "Certificate", "stagehand-webhook")
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, &serving, true); err != nil {
		t.Fatalf("serving Certificate does not decode as cert-manager's type: %v", err)
	}
	if serving.Spec.IsCA || serving.Spec.IssuerRef.Name != "stagehand-ca" {
		t.Errorf("serving Certificate %+v must be a leaf issued by stagehand-ca", serving.Spec)
	}
	var ca cmv1.Certificate
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(o.find(t, "Certificate", "stagehand-ca").Object, &ca, true); err != nil {
		t.Fatalf("CA Certificate does not decode: %v", err)
	}
	if !ca.Spec.IsCA {
		t.Error("the CA Certificate is not a CA")
	}
	for _, name := range []string{"stagehand-selfsigned", "stagehand-ca"} {
		var issuer cmv1.Issuer
		if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(o.find(t, "Issuer", name).Object, &issuer, true); err != nil {
			t.Errorf("Issuer %s does not decode: %v", name, err)
		}
	}
}
