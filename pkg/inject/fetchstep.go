package inject

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// The dependencies' step of the init container: its flags, and the volume
// of the secrets it fetches with.

// fetchKinds are the fetch flags of the dependencies, with their kind.
var fetchKinds = map[string]string{"jar": agentapi.KindJar, "file": agentapi.KindFile, "archive": agentapi.KindArchive}

// fetchFlags are the init container's flags of the fetch: the
// dependencies, and the settings that differ from what the agent derives
// (see agentapi.FlagInstall). The webhook's allowlist goes with them, so
// that the fetch holds redirects to it too.
func fetchFlags(d *DepsSpec, maxBytes int64, allowedHosts []string) []string {
	var args []string
	for _, group := range []struct {
		flag string
		uris []string
	}{{"jar", d.Jars}, {"file", d.Files}, {"archive", d.Archives}} {
		for _, uri := range group.uris {
			args = append(args, "--"+group.flag+"="+uri)
		}
	}
	if d.Parallelism != agentapi.DefaultParallelism {
		args = append(args, "--parallelism="+strconv.Itoa(d.Parallelism))
	}
	if d.FetchTimeout != agentapi.DefaultTimeout {
		args = append(args, "--timeout="+flagDuration(d.FetchTimeout))
	}
	if maxBytes != agentapi.DefaultDepsBytes {
		args = append(args, "--max-total-bytes="+strconv.FormatInt(maxBytes, 10))
	}
	if len(allowedHosts) > 0 {
		args = append(args, "--allowed-hosts="+strings.Join(allowedHosts, ","))
	}
	return args
}

// secretsVolume projects the CA bundle and the bearer token that d asks
// for into the init container, with the key that asked first; nil when it
// asks for neither.
func secretsVolume(d *DepsSpec, mode *int32) (*corev1.Volume, string) {
	var (
		sources []corev1.VolumeProjection
		cause   string
	)
	if d.CAConfigMap != "" {
		sources = append(sources, corev1.VolumeProjection{ConfigMap: &corev1.ConfigMapProjection{
			LocalObjectReference: corev1.LocalObjectReference{Name: d.CAConfigMap},
			Items:                []corev1.KeyToPath{{Key: DependenciesCAKey, Path: agentapi.CAFileName}},
		}})
		cause = DependenciesCAConfigMap
	}
	if d.AuthSecret != "" {
		sources = append(sources, corev1.VolumeProjection{Secret: &corev1.SecretProjection{
			LocalObjectReference: corev1.LocalObjectReference{Name: d.AuthSecret},
			Items:                []corev1.KeyToPath{{Key: DependenciesAuthKey, Path: agentapi.TokenFileName}},
		}})
		if cause == "" {
			cause = DependenciesAuthSecret
		}
	}
	if len(sources) == 0 {
		return nil, ""
	}
	return &corev1.Volume{Name: DepsSecretsVolume, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		Sources: sources, DefaultMode: mode,
	}}}, cause
}
