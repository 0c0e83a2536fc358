package nodeenv

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/stagehand-k8s/stagehand/internal/certs"
	"github.com/stagehand-k8s/stagehand/internal/overlay"
)

// Where the self-signed overlay puts the webhook; certs.Generate issues the
// serving certificate for this Service's names.
const (
	Namespace   = "stagehand-system"
	Service     = "stagehand-webhook"
	Deployment  = "stagehand-webhook"
	certsLayout = "certs"
)

// certValidity is how long the serving certificate made for one
// installation is valid.
const certValidity = 24 * time.Hour

// buildSelfSigned copies manifests/ and certs/kustomization.yaml of the
// repository at root into tmp, side by side as in the repository (no
// certificate or key of a developer's `make certs` is copied), puts the TLS
// material in the copy's certs/ and builds manifests/self-signed. The TLS
// material is that of tls, the Secret of an earlier installation, when
// given (the running webhook keeps serving it while the API server trusts
// it); otherwise it is generated as `make certs` does.
func buildSelfSigned(root, tmp string, tls map[string][]byte) ([]*unstructured.Unstructured, error) {
	if err := overlay.CopyTree(filepath.Join(root, "manifests"), filepath.Join(tmp, "manifests")); err != nil {
		return nil, fmt.Errorf("copying manifests: %w", err)
	}
	tlsDir := filepath.Join(tmp, certsLayout)
	if err := overlay.CopyTree(filepath.Join(root, certsLayout), tlsDir, "kustomization.yaml"); err != nil {
		return nil, fmt.Errorf("copying certs/kustomization.yaml: %w", err)
	}
	if tls != nil {
		for _, f := range []string{certs.CACertFile, certs.CertFile, certs.KeyFile} {
			if err := os.WriteFile(filepath.Join(tlsDir, f), tls[f], 0o600); err != nil {
				return nil, err
			}
		}
	} else {
		_, err := certs.Generate(certs.Options{Service: Service, Namespace: Namespace, Dir: tlsDir, Validity: certValidity})
		if err != nil {
			return nil, err
		}
	}
	return overlay.Build(filepath.Join(tmp, "manifests", "self-signed"))
}

// Images are the image references the built manifests run.
type Images struct {
	// Webhook is the Deployment's container image.
	Webhook string
	// Agent is STAGEHAND_AGENT_IMAGE, which the webhook injects.
	Agent string
}

// imagesOf reads the images from the built webhook Deployment.
func imagesOf(objects []*unstructured.Unstructured) (Images, error) {
	d := overlay.Find(objects, "Deployment", Deployment)
	if d == nil {
		return Images{}, fmt.Errorf("the overlay has no Deployment %s", Deployment)
	}
	containers, _, err := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	if err != nil || len(containers) != 1 {
		return Images{}, fmt.Errorf("Deployment %s: want one container, got %d (%v)", Deployment, len(containers), err)
	}
	c, _ := containers[0].(map[string]any)
	var im Images
	im.Webhook, _, _ = unstructured.NestedString(c, "image")
	env, _, _ := unstructured.NestedSlice(c, "env")
	for _, e := range env {
		if m, ok := e.(map[string]any); ok && m["name"] == "STAGEHAND_AGENT_IMAGE" {
			im.Agent, _ = m["value"].(string)
		}
	}
	if im.Webhook == "" || im.Agent == "" {
		return Images{}, fmt.Errorf("Deployment %s: no image (%q) or STAGEHAND_AGENT_IMAGE (%q)", Deployment, im.Webhook, im.Agent)
	}
	return im, nil
}
