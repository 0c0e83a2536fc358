package inject

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// The keys of the credentials injection.
const (
	// ServiceAccountToken set to "true" injects a projected volume holding a
	// ServiceAccount token, the cluster CA and the namespace.
	ServiceAccountToken = annotations.Prefix + "service-account-token"
	// TokenAudience sets the audience of the projected token.
	TokenAudience = annotations.Prefix + "token-audience"
	// TokenExpiration sets expirationSeconds of the projected token.
	TokenExpiration = annotations.Prefix + "token-expiration"
	// TokenPath sets the mount path of the projected token volume.
	TokenPath = annotations.Prefix + "token-path"
)

// Names and defaults of the credentials injection.
const (
	PartCredentials = "credentials"
	// TokenVolume is the projected ServiceAccount token volume.
	TokenVolume = volumePrefix + "token"
	// DefaultTokenExpiration is the default expirationSeconds of the token.
	DefaultTokenExpiration int64 = 3600
	// MinTokenExpiration and MaxTokenExpiration bound TokenExpiration.
	MinTokenExpiration int64 = 600
	MaxTokenExpiration int64 = 86400
	// KubeletTokenPath is where the kubelet mounts the ServiceAccount token,
	// and where MR3Client and Spark read it.
	KubeletTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount"
	// StagehandTokenPath is the token path when the kubelet mounts its own.
	StagehandTokenPath = "/var/run/secrets/stagehand.io/serviceaccount"
)

// volumePrefix starts the name of every volume stagehand injects but one,
// DataVolume; reservedPrefix starts them all, and its init container's.
const (
	volumePrefix   = "stagehand-"
	reservedPrefix = "stagehand"
)

// TokenSpec describes the projected ServiceAccount token volume.
type TokenSpec struct {
	// Audience is empty for the API server's default audience.
	Audience          string `json:"audience,omitempty"`
	ExpirationSeconds int64  `json:"expirationSeconds"`
	Path              string `json:"path"`
}

// credentials injects a projected volume with a ServiceAccount token, the
// cluster CA and the namespace, laid out as the kubelet lays out its own
// ServiceAccount mount, so that MR3Client and Spark read it unchanged.
var _ = register(&injection[TokenSpec]{
	About: About{
		Part: PartCredentials, Field: "token", Rank: 10,
		Keys: []annotations.Key{
			{Name: ServiceAccountToken, Description: "Injects a projected volume with a ServiceAccount token (`token`), the cluster CA (`ca.crt`, from the ConfigMap `kube-root-ca.crt`) and the namespace (`namespace`).",
				Default: `"false"`, Valid: `"true" or "false"`, Validate: annotations.ValidateBool},
			{Name: TokenAudience, Description: "Audience of the projected token.",
				Default: "the API server's default audience", Valid: "a non-empty string without whitespace", Validate: validateAudience},
			{Name: TokenExpiration, Description: "expirationSeconds of the projected token.",
				Default: strconv.FormatInt(DefaultTokenExpiration, 10), Valid: fmt.Sprintf("an integer number of seconds from %d to %d", MinTokenExpiration, MaxTokenExpiration),
				Validate: annotations.IntValidator(MinTokenExpiration, MaxTokenExpiration)},
			{Name: TokenPath, Description: "Mount path of the projected token volume. MR3Client and Spark read the kubelet's path.",
				Default: fmt.Sprintf("`%s` when the pod sets `automountServiceAccountToken: false`, otherwise `%s`", KubeletTokenPath, StagehandTokenPath),
				Valid:   annotations.ValidPath, Validate: annotations.ValidateMountPath},
		},
		Asks: []string{ServiceAccountToken}, AskedAs: ServiceAccountToken + `: "true"`,
		Rules: []string{
			"An option without its main key (for example `" + TokenAudience + "` without\n  `" + ServiceAccountToken + `: "true"` + "`) has no effect and gives a warning.",
			"`" + TokenPath + "` defaults to the kubelet's path only when the pod sets\n  `automountServiceAccountToken: false`; the ServiceAccount's own setting is not consulted.",
		},
		Owns:  Owned{Volumes: []string{TokenVolume}},
		Guard: Guard{Asked: celIsTrue(ServiceAccountToken), Volumes: []GuardVolume{{Name: TokenVolume}}},
	},
	parse: func(p *parser) *TokenSpec {
		if p.anns[ServiceAccountToken] != "true" {
			return nil
		}
		t := &TokenSpec{Audience: p.anns[TokenAudience], ExpirationSeconds: DefaultTokenExpiration, Path: StagehandTokenPath}
		if v, ok := p.anns[TokenExpiration]; ok {
			t.ExpirationSeconds, _ = strconv.ParseInt(v, 10, 64) // validated on its own
		}
		if am := p.pod.Spec.AutomountServiceAccountToken; am != nil && !*am {
			t.Path = KubeletTokenPath
		}
		if v, ok := p.anns[TokenPath]; ok {
			t.Path = v
		}
		return t
	},
	apply: func(e *editor, t *TokenSpec) {
		mode := corev1.ProjectedVolumeSourceDefaultMode
		// The API server's defaults are spelled out, so that a re-invocation
		// that sees the defaulted volume finds it equal and emits no patch.
		e.ensureVolume(corev1.Volume{
			Name: TokenVolume,
			VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
				DefaultMode: &mode,
				Sources: []corev1.VolumeProjection{
					{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
						Audience: t.Audience, ExpirationSeconds: &t.ExpirationSeconds, Path: "token",
					}},
					// Its one key, ca.crt, which the controller that
					// publishes it in every namespace keeps alone.
					{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}}},
					{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{
						Path:     "namespace",
						FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"},
					}}}},
				},
			}},
		}, ServiceAccountToken)
		e.ensureMount(corev1.VolumeMount{Name: TokenVolume, MountPath: t.Path}, TokenPath) // read-only: projected
	},
	mounts: func(_ *Spec, t *TokenSpec) []mountPoint { return []mountPoint{{key: TokenPath, path: t.Path}} },
	describe: func(pod *Input) []string {
		v := volumeOf(pod, TokenVolume)
		if v == nil || v.Projected == nil || len(v.Projected.Sources) == 0 || v.Projected.Sources[0].ServiceAccountToken == nil {
			return nil
		}
		sa := v.Projected.Sources[0].ServiceAccountToken
		return []string{fmt.Sprintf("projected token (expires in %ss), ca.crt and namespace at %s", ptrValue(sa.ExpirationSeconds), mountPathOf(pod, TokenVolume))}
	},
})

func validateAudience(v string) []string {
	if v == "" || strings.ContainsAny(v, " \t\r\n") {
		return []string{"empty or contains whitespace"}
	}
	return nil
}
