package installation

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// container reads a container's environment and mounted files from the
// cluster, as the container sees them: for config.LoadInjectionFrom.
type container struct {
	ctx       context.Context
	c         client.Reader
	namespace string
	spec      *corev1.PodSpec
	ctr       *corev1.Container
	// configMaps are the ConfigMaps read, by name; nil for one that does
	// not exist.
	configMaps map[string]*corev1.ConfigMap
	// files says where each file read came from.
	files map[string]string
	notes []string
	// errs are the API errors met: the settings are unknown then.
	errs []error
}

// lookup is the value of an environment variable in the container: env
// wins over envFrom, and the last of each, as the kubelet sets them. A
// value from a Secret, or from the pod's fields, is not read.
func (k *container) lookup(name string) (string, bool) {
	for i := len(k.ctr.Env) - 1; i >= 0; i-- {
		e := &k.ctr.Env[i]
		if e.Name != name {
			continue
		}
		switch {
		case e.ValueFrom == nil:
			return e.Value, true
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			if cm := k.configMap(ref.Name); cm != nil {
				v, ok := cm.Data[ref.Key]
				return v, ok
			}
			return "", false
		}
		k.notes = append(k.notes, fmt.Sprintf("%s is set from a Secret or the pod's fields, which kubectl stagehand does not read: taken as unset", name))
		return "", false
	}
	for i := len(k.ctr.EnvFrom) - 1; i >= 0; i-- {
		src := &k.ctr.EnvFrom[i]
		key, ok := strings.CutPrefix(name, src.Prefix)
		if !ok {
			continue
		}
		switch {
		case src.ConfigMapRef != nil:
			if cm := k.configMap(src.ConfigMapRef.Name); cm != nil {
				if v, ok := cm.Data[key]; ok {
					return v, true
				}
			}
		case src.SecretRef != nil:
			k.notes = append(k.notes, fmt.Sprintf("%s may be set from Secret %s (envFrom), which kubectl stagehand does not read", name, src.SecretRef.Name))
		}
	}
	return "", false
}

// readFile reads a file of the container from the ConfigMap volume mounted
// where it lies.
func (k *container) readFile(file string) ([]byte, error) {
	var mount *corev1.VolumeMount
	for i := range k.ctr.VolumeMounts {
		m := &k.ctr.VolumeMounts[i]
		if annotations.PathWithin(file, m.MountPath) && (mount == nil || len(m.MountPath) > len(mount.MountPath)) {
			mount = m
		}
	}
	if mount == nil {
		return nil, fmt.Errorf("%s is on no volume of container %s: it would come from the image, which kubectl stagehand cannot read", file, k.ctr.Name)
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(file, mount.MountPath), "/")
	if mount.SubPath != "" {
		rel = path.Join(mount.SubPath, rel)
	}
	var vol *corev1.Volume
	for i := range k.spec.Volumes {
		if k.spec.Volumes[i].Name == mount.Name {
			vol = &k.spec.Volumes[i]
		}
	}
	if vol == nil || vol.ConfigMap == nil {
		return nil, fmt.Errorf("%s is on volume %s, which is not a ConfigMap: kubectl stagehand reads ConfigMap volumes only", file, mount.Name)
	}
	key := rel
	if items := vol.ConfigMap.Items; len(items) > 0 {
		key = ""
		for _, it := range items {
			if it.Path == rel {
				key = it.Key
			}
		}
	}
	cm := k.configMap(vol.ConfigMap.Name)
	where := fmt.Sprintf("ConfigMap %s/%s, key %s", k.namespace, vol.ConfigMap.Name, key)
	if k.files == nil {
		k.files = map[string]string{}
	}
	k.files[file] = where
	if cm == nil || key == "" {
		return nil, fmt.Errorf("open %s: %w (from %s)", file, fs.ErrNotExist, where)
	}
	if v, ok := cm.Data[key]; ok {
		return []byte(v), nil
	}
	if v, ok := cm.BinaryData[key]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("open %s: %w (from %s)", file, fs.ErrNotExist, where)
}

// configMap reads a ConfigMap of the container's namespace once; nil when
// it does not exist, or cannot be read (an error then).
func (k *container) configMap(name string) *corev1.ConfigMap {
	if cm, ok := k.configMaps[name]; ok {
		return cm
	}
	var cm corev1.ConfigMap
	err := k.c.Get(k.ctx, client.ObjectKey{Namespace: k.namespace, Name: name}, &cm)
	switch {
	case apierrors.IsNotFound(err):
		k.configMaps[name] = nil
		return nil
	case err != nil:
		k.errs = append(k.errs, fmt.Errorf("reading ConfigMap %s/%s: %w", k.namespace, name, err))
		k.configMaps[name] = nil
		return nil
	}
	k.configMaps[name] = &cm
	return &cm
}
