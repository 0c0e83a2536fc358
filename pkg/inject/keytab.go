package inject

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// The keys of the keytab injection.
const (
	// ATSKeytabSecret names a Secret of Kerberos keytabs for the Timeline Server.
	ATSKeytabSecret = annotations.Prefix + "ats-keytab-secret"
	// ATSKeytabPath sets where the keytab Secret is mounted.
	ATSKeytabPath = annotations.Prefix + "ats-keytab-path"
)

// Names and defaults of the keytab injection.
const (
	PartKeytab = "ats-keytab"
	// KeytabVolume is the volume of Timeline Server Kerberos keytabs.
	KeytabVolume = volumePrefix + "ats-keytab"
	// DefaultATSKeytabPath is where MR3 reads the Timeline Server keytabs.
	DefaultATSKeytabPath = "/opt/mr3-run/ats/key"
)

// KeytabSpec describes the keytab Secret mount.
type KeytabSpec struct {
	SecretName string `json:"secretName"`
	Path       string `json:"path"`
}

// keytab mounts the Secret of Timeline Server keytabs read-only.
var _ = register(&injection[KeytabSpec]{
	About: About{
		Part: PartKeytab, Field: "keytab", Rank: 30,
		Keys: []annotations.Key{
			{Name: ATSKeytabSecret, Description: "Name of a Secret of Kerberos keytabs, mounted read-only for the Timeline Server client.",
				Default: "none", Valid: "a DNS subdomain name", Validate: annotations.ValidateObjectName},
			{Name: ATSKeytabPath, Description: "Mount path of the keytab Secret.",
				Default: "`" + DefaultATSKeytabPath + "`", Valid: annotations.ValidPath, Validate: annotations.ValidateMountPath},
		},
		Asks: []string{ATSKeytabSecret}, AskedAs: ATSKeytabSecret,
		Owns:  Owned{Volumes: []string{KeytabVolume}},
		Guard: Guard{Asked: celHas(ATSKeytabSecret), Volumes: []GuardVolume{{Name: KeytabVolume}}},
	},
	parse: func(p *parser) *KeytabSpec {
		name, ok := p.anns[ATSKeytabSecret]
		if !ok {
			return nil
		}
		k := &KeytabSpec{SecretName: name, Path: DefaultATSKeytabPath}
		if v, ok := p.anns[ATSKeytabPath]; ok {
			k.Path = v
		}
		return k
	},
	apply: func(e *editor, k *KeytabSpec) {
		e.ensureVolume(corev1.Volume{
			Name:         KeytabVolume,
			VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: k.SecretName, DefaultMode: secretFileMode(e.in)}},
		}, ATSKeytabSecret)
		e.ensureMount(corev1.VolumeMount{Name: KeytabVolume, MountPath: k.Path}, ATSKeytabPath) // read-only: a Secret
	},
	mounts: func(_ *Spec, k *KeytabSpec) []mountPoint { return []mountPoint{{key: ATSKeytabPath, path: k.Path}} },
	describe: func(pod *Input) []string {
		v := volumeOf(pod, KeytabVolume)
		if v == nil || v.Secret == nil {
			return nil
		}
		return []string{fmt.Sprintf("Secret %s read-only at %s", v.Secret.SecretName, mountPathOf(pod, KeytabVolume))}
	},
})
