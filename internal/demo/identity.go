package demo

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/stagehand-k8s/stagehand/internal/overlay"
)

// webhookIdentity gives `webhook serve` the identity its Deployment runs
// as, the ServiceAccount of manifests/base, with the base's RBAC and nothing
// else, and writes a kubeconfig for it to path (0600): the webhook watches
// InjectionProfiles as it does in a cluster. It returns the user's name.
func (c *cluster) webhookIdentity(ctx context.Context, base []*unstructured.Unstructured, path string) (string, error) {
	user, err := serviceAccountUser(base)
	if err != nil {
		return "", err
	}
	for _, u := range base {
		if k := u.GetKind(); k == "ClusterRole" || k == "ClusterRoleBinding" {
			if err := c.apply(ctx, u.DeepCopy()); err != nil {
				return "", fmt.Errorf("installing %s %s: %w", k, u.GetName(), err)
			}
		}
	}
	// envtest's API server authenticates a client certificate's common name
	// as the user: the ServiceAccount's user name, which the
	// ClusterRoleBinding's subject matches.
	authn, err := c.env.AddUser(envtest.User{Name: user}, c.cfg)
	if err != nil {
		return "", fmt.Errorf("adding the webhook's user: %w", err)
	}
	cfg := authn.Config()
	server := cfg.Host
	if !strings.Contains(server, "://") {
		server = "https://" + server
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["demo"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["stagehand-webhook"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts["demo"] = &clientcmdapi.Context{Cluster: "demo", AuthInfo: "stagehand-webhook"}
	kc.CurrentContext = "demo"
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		return "", fmt.Errorf("writing the webhook's kubeconfig: %w", err)
	}
	return user, nil
}

// serviceAccountUser is the user name of the ServiceAccount the base's
// Deployment runs as.
func serviceAccountUser(base []*unstructured.Unstructured) (string, error) {
	d := overlay.Find(base, "Deployment", "stagehand-webhook")
	if d == nil {
		return "", fmt.Errorf("manifests/base has no Deployment stagehand-webhook")
	}
	sa, _, _ := unstructured.NestedString(d.Object, "spec", "template", "spec", "serviceAccountName")
	if sa == "" {
		return "", fmt.Errorf("the Deployment stagehand-webhook names no serviceAccountName")
	}
	return "system:serviceaccount:" + d.GetNamespace() + ":" + sa, nil
}
