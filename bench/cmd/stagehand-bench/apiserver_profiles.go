package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// profileCRD is the InjectionProfile CRD, installed in the API server that
// the webhook watches profiles in.
const profileCRD = "manifests/base/crd"

// subjectUnselected names the creates of a pod without stagehand.io/
// annotations that no profile selects.
const subjectUnselected = "unselected"

// writeKubeconfig writes a kubeconfig for the API server of cfg, for
// STAGEHAND_KUBECONFIG.
func writeKubeconfig(dir string, cfg *rest.Config) (string, error) {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["bench"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["bench"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["bench"] = &clientcmdapi.Context{Cluster: "bench", AuthInfo: "bench"}
	kc.CurrentContext = "bench"
	path := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		return "", fmt.Errorf("writing the kubeconfig: %w", err)
	}
	return path, nil
}

// createOtherProfile creates, in namespace, a profile that selects Spark
// executors and not the benchmark's pods: a namespace that uses profiles,
// where the webhook reads each pod's labels to decide.
func createOtherProfile(ctx context.Context, cfg *rest.Config, namespace string) error {
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	p := &v1alpha1.InjectionProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "spark-executors", Namespace: namespace},
		Spec: v1alpha1.InjectionProfileSpec{
			Selector:    metav1.LabelSelector{MatchLabels: map[string]string{"spark-role": "executor"}},
			Annotations: map[string]string{inject.ServiceAccountToken: "true"},
		},
	}
	if err := c.Create(ctx, p); err != nil {
		return fmt.Errorf("creating the profile %s/%s: %w", namespace, p.Name, err)
	}
	return nil
}

// unannotated is pod without its stagehand.io/ annotations.
func unannotated(pod *corev1.Pod) *corev1.Pod {
	out := pod.DeepCopy()
	for k := range out.Annotations {
		if strings.HasPrefix(k, annotations.Prefix) {
			delete(out.Annotations, k)
		}
	}
	return out
}
