package inject

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// ATSSecretKeyEnv is the env var MR3 reads the Timeline Server secret key from.
const ATSSecretKeyEnv = agentapi.EnvATSSecretKey

// KeytabVolume is the volume of Timeline Server Kerberos keytabs.
const KeytabVolume = volumePrefix + "ats-keytab"

// injectATSKey sets ATS_SECRET_KEY from a Secret or ConfigMap key. It is only
// ever a reference: the value never enters the pod spec.
func injectATSKey(e *editor) bool {
	ref := e.spec.ATSKey
	if ref == nil {
		return false
	}
	cause := annotations.ATSConfigMap
	if ref.Kind == annotations.SourceSecret {
		cause = annotations.ATSSecret
	}
	e.ensureEnv(corev1.EnvVar{Name: ATSSecretKeyEnv, ValueFrom: atsKeySource(ref)}, cause)
	return true
}

// atsKeySource references the ATS secret key; nil when none was asked for.
func atsKeySource(ref *annotations.KeyRef) *corev1.EnvVarSource {
	switch {
	case ref == nil:
		return nil
	case ref.Kind == annotations.SourceSecret:
		return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name}, Key: ref.Key}}
	}
	return &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name}, Key: ref.Key}}
}

// injectKeytab mounts the keytab Secret read-only.
func injectKeytab(e *editor) bool {
	k := e.spec.Keytab
	if k == nil {
		return false
	}
	e.ensureVolume(corev1.Volume{
		Name:         KeytabVolume,
		VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: k.SecretName, DefaultMode: secretFileMode(e.in)}},
	}, annotations.ATSKeytabSecret)
	e.ensureMount(corev1.VolumeMount{Name: KeytabVolume, MountPath: k.Path, ReadOnly: true}, annotations.ATSKeytabPath)
	return true
}
