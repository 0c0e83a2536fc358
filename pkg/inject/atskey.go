package inject

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// The keys of the ATS key injection.
const (
	// ATSSecret names a Secret holding the Timeline Server secret key.
	ATSSecret = annotations.Prefix + "ats-secret"
	// ATSConfigMap names a ConfigMap holding the Timeline Server secret key.
	ATSConfigMap = annotations.Prefix + "ats-configmap"
	// ATSSecretKey names the key inside the Secret or ConfigMap.
	ATSSecretKey = annotations.Prefix + "ats-secret-key"
)

// Names and defaults of the ATS key injection.
const (
	PartATSKey = "ats-key"
	// ATSSecretKeyEnv is the env var MR3 reads the Timeline Server secret key from.
	ATSSecretKeyEnv = agentapi.EnvATSSecretKey
	// DefaultATSSecretKey is the default key holding the ATS secret.
	DefaultATSSecretKey = "ats-secret-key"
)

// SourceKind tells whether a key reference points into a Secret or a ConfigMap.
type SourceKind string

// The kinds of object a KeyRef can point into.
const (
	SourceSecret    SourceKind = "Secret"
	SourceConfigMap SourceKind = "ConfigMap"
)

// KeyRef points at one key of a Secret or ConfigMap in the pod's namespace.
type KeyRef struct {
	Kind SourceKind `json:"kind"`
	Name string     `json:"name"`
	Key  string     `json:"key"`
}

// atsKey sets ATS_SECRET_KEY from a Secret or ConfigMap key. It is only ever
// a reference: the value never enters the pod spec.
var _ = register(&injection[KeyRef]{
	About: About{
		Part: PartATSKey, Field: "atsKey", Rank: 20,
		Keys: []annotations.Key{
			{Name: ATSSecret, Description: "Name of a Secret holding the Timeline Server secret key, injected as `ATS_SECRET_KEY` through a `secretKeyRef`.",
				Default: "none", Valid: "a DNS subdomain name", Validate: annotations.ValidateObjectName},
			{Name: ATSConfigMap, Description: "Name of a ConfigMap holding the Timeline Server secret key, injected as `ATS_SECRET_KEY` through a `configMapKeyRef`. MR3 keeps it in `client-am-config`.",
				Default: "none", Valid: "a DNS subdomain name", Validate: annotations.ValidateObjectName},
			{Name: ATSSecretKey, Description: "Key inside the Secret or ConfigMap that holds the Timeline Server secret key.",
				Default: "`" + DefaultATSSecretKey + "`", Valid: "a valid ConfigMap or Secret key: alphanumerics, '-', '_' or '.'", Validate: annotations.ValidateDataKey},
		},
		Asks: []string{ATSSecret, ATSConfigMap}, AskedAs: ATSSecret + " or " + ATSConfigMap,
		Rules: []string{"`" + ATSSecret + "` and `" + ATSConfigMap + "` are mutually exclusive."},
		Owns:  Owned{Env: []string{ATSSecretKeyEnv}},
		Guard: Guard{Asked: celHas(ATSSecret) + " || " + celHas(ATSConfigMap), ReferenceEnv: []string{ATSSecretKeyEnv}},
	},
	parse: func(p *parser) *KeyRef {
		secret, hasSecret := p.anns[ATSSecret]
		cm, hasCM := p.anns[ATSConfigMap]
		key := DefaultATSSecretKey
		if v, ok := p.anns[ATSSecretKey]; ok {
			key = v
		}
		switch {
		case hasSecret && hasCM:
			p.errs = append(p.errs, p.invalidValue(ATSConfigMap, cm,
				fmt.Sprintf("must not be set together with %s=%q: name either a Secret or a ConfigMap", ATSSecret, secret)))
		case hasSecret:
			return &KeyRef{Kind: SourceSecret, Name: secret, Key: key}
		case hasCM:
			return &KeyRef{Kind: SourceConfigMap, Name: cm, Key: key}
		}
		return nil
	},
	apply: func(e *editor, ref *KeyRef) {
		cause := ATSConfigMap
		if ref.Kind == SourceSecret {
			cause = ATSSecret
		}
		e.ensureEnv(corev1.EnvVar{Name: ATSSecretKeyEnv, ValueFrom: ref.source()}, cause)
	},
	describe: func(pod *Input) []string {
		return []string{"ATS_SECRET_KEY from " + envSourceOf(pod, ATSSecretKeyEnv) + " (a reference: the value never enters the pod spec)"}
	},
})

// source references the ATS secret key; nil for no reference.
func (ref *KeyRef) source() *corev1.EnvVarSource {
	switch {
	case ref == nil:
		return nil
	case ref.Kind == SourceSecret:
		return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name}, Key: ref.Key}}
	}
	return &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name}, Key: ref.Key}}
}
