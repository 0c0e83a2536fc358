package podrunner

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// fakeToken is written to serviceAccountToken files when the fixtures have
// no token.
const fakeToken = "podrunner.fake.token"

// defaultMode is the kubelet's default for secret, configMap, projected and
// downwardAPI files (0644).
const defaultMode int32 = 0o644

// volume is a pod volume prepared on the host.
type volume struct {
	dir string
	// readOnly is forced for API data volumes (secret, configMap,
	// projected, downwardAPI) and read-only claims.
	readOnly bool
}

// volumeFile is a file of an API data volume.
type volumeFile struct {
	path string
	data []byte
	mode int32
}

// prepareVolumes creates every pod volume below dir, like the kubelet mounts
// all of a pod's volumes before it starts any container.
func prepareVolumes(pod *corev1.Pod, fx *Fixtures, dir string) (map[string]volume, error) {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	vols := make(map[string]volume, len(pod.Spec.Volumes))
	for _, v := range pod.Spec.Volumes {
		vol, err := prepareVolume(pod, fx, &v, filepath.Join(dir, v.Name))
		if err != nil {
			return nil, fmt.Errorf("volume %q: %w", v.Name, err)
		}
		vols[v.Name] = vol
	}
	return vols, nil
}

func prepareVolume(pod *corev1.Pod, fx *Fixtures, v *corev1.Volume, dir string) (volume, error) {
	src := &v.VolumeSource
	var files []volumeFile
	var err error
	switch {
	case src.EmptyDir != nil:
		if err := os.Mkdir(dir, 0o777); err != nil {
			return volume{}, err
		}
		// Like the kubelet: world-writable regardless of umask.
		return volume{dir: dir}, applyOwnership(pod, dir, 0o777, false)
	case src.PersistentVolumeClaim != nil:
		claim := src.PersistentVolumeClaim
		ro := claim.ReadOnly
		if host, ok := fx.Claims[claim.ClaimName]; ok {
			if fi, err := os.Stat(host); err != nil || !fi.IsDir() {
				return volume{}, fmt.Errorf("claim %q: fixture %s is not a directory", claim.ClaimName, host)
			}
			return volume{dir: host, readOnly: ro}, nil
		}
		if err := os.Mkdir(dir, 0o755); err != nil {
			return volume{}, err
		}
		return volume{dir: dir, readOnly: ro}, applyOwnership(pod, dir, 0o755, false)
	case src.HostPath != nil:
		return volume{}, fmt.Errorf("hostPath volumes are refused (path %s): the pod runner never exposes host directories", src.HostPath.Path)
	case src.Secret != nil:
		s := src.Secret
		data, ok := fx.Secrets[s.SecretName]
		files, err = projectKeys("secret", s.SecretName, data, ok, s.Items, isTrue(s.Optional), modeOr(s.DefaultMode))
	case src.ConfigMap != nil:
		cm := src.ConfigMap
		data, ok := fx.ConfigMaps[cm.Name]
		files, err = projectKeys("configmap", cm.Name, stringData(data), ok, cm.Items, isTrue(cm.Optional), modeOr(cm.DefaultMode))
	case src.DownwardAPI != nil:
		files, err = downwardFiles(pod, src.DownwardAPI.Items, modeOr(src.DownwardAPI.DefaultMode))
	case src.Projected != nil:
		files, err = projectedFiles(pod, fx, src.Projected)
	default:
		return volume{}, fmt.Errorf("unsupported volume type %s", volumeType(src))
	}
	if err != nil {
		return volume{}, err
	}
	if err := writeVolume(dir, files); err != nil {
		return volume{}, err
	}
	return volume{dir: dir, readOnly: true}, applyOwnership(pod, dir, 0o755, true)
}

// projectKeys selects the files of a secret or configMap volume (or
// projection): every key, or the listed items.
func projectKeys(kind, name string, data map[string][]byte, exists bool, items []corev1.KeyToPath, optional bool, mode int32) ([]volumeFile, error) {
	if !exists {
		if optional {
			return nil, nil
		}
		return nil, fmt.Errorf("%s %q not found", kind, name)
	}
	var files []volumeFile
	if len(items) == 0 {
		for _, k := range sortedKeys(data) {
			files = append(files, volumeFile{path: k, data: data[k], mode: mode})
		}
		return files, nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return nil, fmt.Errorf("%s %q has no key %q", kind, name, it.Key)
		}
		m := mode
		if it.Mode != nil {
			m = *it.Mode
		}
		files = append(files, volumeFile{path: it.Path, data: v, mode: m})
	}
	return files, nil
}

func downwardFiles(pod *corev1.Pod, items []corev1.DownwardAPIVolumeFile, mode int32) ([]volumeFile, error) {
	var files []volumeFile
	for _, it := range items {
		var v string
		var err error
		switch {
		case it.FieldRef != nil:
			v, err = fieldValue(pod, it.FieldRef.FieldPath)
		case it.ResourceFieldRef != nil:
			v, err = resourceValue(pod, it.ResourceFieldRef, "")
		default:
			err = fmt.Errorf("item %q has no fieldRef or resourceFieldRef", it.Path)
		}
		if err != nil {
			return nil, fmt.Errorf("downwardAPI %s: %w", it.Path, err)
		}
		m := mode
		if it.Mode != nil {
			m = *it.Mode
		}
		files = append(files, volumeFile{path: it.Path, data: []byte(v), mode: m})
	}
	return files, nil
}

func projectedFiles(pod *corev1.Pod, fx *Fixtures, p *corev1.ProjectedVolumeSource) ([]volumeFile, error) {
	mode := modeOr(p.DefaultMode)
	var files []volumeFile
	for i, s := range p.Sources {
		var more []volumeFile
		var err error
		switch {
		case s.ServiceAccountToken != nil:
			token := fx.ServiceAccountToken
			if token == "" {
				token = fakeToken
			}
			more = []volumeFile{{path: s.ServiceAccountToken.Path, data: []byte(token), mode: mode}}
		case s.Secret != nil:
			data, ok := fx.Secrets[s.Secret.Name]
			more, err = projectKeys("secret", s.Secret.Name, data, ok, s.Secret.Items, isTrue(s.Secret.Optional), mode)
		case s.ConfigMap != nil:
			data, ok := fx.ConfigMaps[s.ConfigMap.Name]
			more, err = projectKeys("configmap", s.ConfigMap.Name, stringData(data), ok, s.ConfigMap.Items, isTrue(s.ConfigMap.Optional), mode)
		case s.DownwardAPI != nil:
			more, err = downwardFiles(pod, s.DownwardAPI.Items, mode)
		default:
			err = fmt.Errorf("unsupported projection %s", volumeType(&s))
		}
		if err != nil {
			return nil, fmt.Errorf("source %d: %w", i, err)
		}
		files = append(files, more...)
	}
	return files, nil
}

func writeVolume(dir string, files []volumeFile) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := checkRelative(f.path); err != nil {
			return err
		}
		p := filepath.Join(dir, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.data, 0o600); err != nil {
			return err
		}
		if err := os.Chmod(p, fs.FileMode(f.mode)&fs.ModePerm); err != nil {
			return err
		}
	}
	return nil
}

// applyOwnership gives the volume to the pod's fsGroup like the kubelet's
// SetVolumeOwnership: group-owned, group-readable (and writable unless
// readOnly), setgid directories. It needs root; without it only the mode
// is set.
func applyOwnership(pod *corev1.Pod, dir string, mode fs.FileMode, readOnly bool) error {
	if err := os.Chmod(dir, mode); err != nil {
		return err
	}
	sc := pod.Spec.SecurityContext
	if sc == nil || sc.FSGroup == nil || os.Geteuid() != 0 {
		return nil
	}
	gid := int(*sc.FSGroup)
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(p, -1, gid); err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil || fi.Mode()&fs.ModeSymlink != 0 {
			return err
		}
		m := fi.Mode()&fs.ModePerm | 0o440
		if !readOnly {
			m |= 0o220
		}
		if d.IsDir() {
			m |= 0o110 | fs.ModeSetgid
		}
		return os.Chmod(p, m)
	})
}

func stringData(m map[string]string) map[string][]byte {
	if m == nil {
		return nil
	}
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = []byte(v)
	}
	return out
}

func modeOr(m *int32) int32 {
	if m == nil {
		return defaultMode
	}
	return *m
}

// volumeType names the set field of a VolumeSource or VolumeProjection by
// its JSON name, for error messages.
func volumeType(src any) string {
	v := reflect.ValueOf(src).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			return name
		}
	}
	return "(none)"
}
