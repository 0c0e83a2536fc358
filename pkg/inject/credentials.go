package inject

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// volumePrefix starts the name of every volume stagehand injects.
const volumePrefix = "stagehand-"

// TokenVolume is the projected ServiceAccount token volume.
const TokenVolume = volumePrefix + "token"

// The parts of the token volume that never change, shared read-only by
// every injected pod. The API server's defaults are spelled out, so that a
// re-invocation that sees the defaulted volume finds it equal and emits no
// patch.
var (
	projectedDefaultMode = corev1.ProjectedVolumeSourceDefaultMode
	rootCAProjection     = &corev1.ConfigMapProjection{
		LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
		Items:                []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}},
	}
	namespaceProjection = &corev1.DownwardAPIProjection{
		Items: []corev1.DownwardAPIVolumeFile{{
			Path:     "namespace",
			FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"},
		}},
	}
)

// injectCredentials adds a projected volume with a ServiceAccount token, the
// cluster CA and the namespace, laid out as the kubelet lays out its own
// ServiceAccount mount, so that MR3Client and Spark read it unchanged.
func injectCredentials(e *editor) bool {
	t := e.spec.Token
	if t == nil {
		return false
	}
	e.ensureVolume(corev1.Volume{
		Name: TokenVolume,
		VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			DefaultMode: &projectedDefaultMode,
			Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
					Audience: t.Audience, ExpirationSeconds: &t.ExpirationSeconds, Path: "token",
				}},
				{ConfigMap: rootCAProjection},
				{DownwardAPI: namespaceProjection},
			},
		}},
	}, annotations.ServiceAccountToken)
	e.ensureMount(corev1.VolumeMount{Name: TokenVolume, MountPath: t.Path, ReadOnly: true}, annotations.TokenPath)
	return true
}
