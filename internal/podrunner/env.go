package podrunner

import (
	"fmt"
	"os"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// defaultPath is PATH when neither the host, the image nor the pod set one.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// configError is the kubelet's CreateContainerConfigError: the container's
// configuration refers to something that does not exist.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

func configErrorf(format string, args ...any) error {
	return &configError{fmt.Errorf(format, args...)}
}

// envList is an ordered environment where a later Set replaces the value but
// keeps the first position, like the runtime's merge of image and
// container environments.
type envList struct {
	keys   []string
	values map[string]string
}

func newEnvList() *envList { return &envList{values: map[string]string{}} }

func (l *envList) Set(k, v string) {
	if _, ok := l.values[k]; !ok {
		l.keys = append(l.keys, k)
	}
	l.values[k] = v
}

func (l *envList) Environ() []string {
	out := make([]string, 0, len(l.keys))
	for _, k := range l.keys {
		out = append(out, k+"="+l.values[k])
	}
	return out
}

// containerEnv computes what the kubelet would put in the container's
// environment (envFrom, then env with $(VAR) expansion); image is the image's
// ENV, applied first. It returns the final environment and the variables
// the pod spec defined (for command and subPathExpr expansion).
func containerEnv(pod *corev1.Pod, c *corev1.Container, img *image, fx *Fixtures) (*envList, map[string]string, error) {
	spec := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := spec[k]; !ok {
			order = append(order, k)
		}
		spec[k] = v
	}
	for _, from := range c.EnvFrom {
		data, err := envFromData(from, fx)
		if err != nil {
			return nil, nil, err
		}
		for _, k := range sortedKeys(data) {
			if name := from.Prefix + k; name != "" && !strings.Contains(name, "=") {
				set(name, data[k])
			}
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			set(e.Name, expand(e.Value, lookupIn(spec)))
			continue
		}
		v, ok, err := envValueFrom(pod, c, e.ValueFrom, fx)
		if err != nil {
			return nil, nil, fmt.Errorf("env %s: %w", e.Name, err)
		}
		if ok {
			set(e.Name, v)
		}
	}

	env := newEnvList()
	hostPath := os.Getenv("PATH")
	if hostPath == "" {
		hostPath = defaultPath
	}
	env.Set("PATH", hostPath)
	env.Set("HOSTNAME", hostname(pod))
	for _, kv := range img.env {
		k, v, _ := strings.Cut(kv, "=")
		env.Set(k, v)
	}
	for _, k := range order {
		env.Set(k, spec[k])
	}
	return env, spec, nil
}

func envFromData(from corev1.EnvFromSource, fx *Fixtures) (map[string]string, error) {
	switch {
	case from.ConfigMapRef != nil:
		ref := from.ConfigMapRef
		data, ok := fx.ConfigMaps[ref.Name]
		if !ok && !isTrue(ref.Optional) {
			return nil, configErrorf("envFrom: configmap %q not found", ref.Name)
		}
		return data, nil
	case from.SecretRef != nil:
		ref := from.SecretRef
		data, ok := fx.Secrets[ref.Name]
		if !ok && !isTrue(ref.Optional) {
			return nil, configErrorf("envFrom: secret %q not found", ref.Name)
		}
		out := make(map[string]string, len(data))
		for k, v := range data {
			out[k] = string(v)
		}
		return out, nil
	}
	return nil, nil
}

// envValueFrom resolves valueFrom; ok is false when an optional reference
// is missing and the variable is left unset.
func envValueFrom(pod *corev1.Pod, c *corev1.Container, src *corev1.EnvVarSource, fx *Fixtures) (string, bool, error) {
	switch {
	case src.ConfigMapKeyRef != nil:
		ref := src.ConfigMapKeyRef
		data, found := fx.ConfigMaps[ref.Name]
		v, ok := data[ref.Key]
		switch {
		case ok:
			return v, true, nil
		case isTrue(ref.Optional):
			return "", false, nil
		case !found:
			return "", false, configErrorf("configmap %q not found", ref.Name)
		}
		return "", false, configErrorf("couldn't find key %s in ConfigMap %s/%s", ref.Key, pod.Namespace, ref.Name)
	case src.SecretKeyRef != nil:
		ref := src.SecretKeyRef
		data, found := fx.Secrets[ref.Name]
		v, ok := data[ref.Key]
		switch {
		case ok:
			return string(v), true, nil
		case isTrue(ref.Optional):
			return "", false, nil
		case !found:
			return "", false, configErrorf("secret %q not found", ref.Name)
		}
		return "", false, configErrorf("couldn't find key %s in Secret %s/%s", ref.Key, pod.Namespace, ref.Name)
	case src.FieldRef != nil:
		v, err := fieldValue(pod, src.FieldRef.FieldPath)
		if err != nil {
			return "", false, configErrorf("fieldRef: %w", err)
		}
		return v, true, nil
	case src.ResourceFieldRef != nil:
		v, err := resourceValue(pod, src.ResourceFieldRef, c.Name)
		if err != nil {
			return "", false, configErrorf("resourceFieldRef: %w", err)
		}
		return v, true, nil
	}
	return "", false, configErrorf("unsupported valueFrom source")
}

// expand replaces $(VAR) references like the kubelet: $$ is a literal $,
// unknown or unterminated references are kept as written.
func expand(in string, lookup func(string) (string, bool)) string {
	var b strings.Builder
	for i := 0; i < len(in); i++ {
		if in[i] != '$' || i+1 == len(in) {
			b.WriteByte(in[i])
			continue
		}
		switch next := in[i+1]; {
		case next == '$':
			b.WriteByte('$')
			i++
		case next == '(':
			end := strings.IndexByte(in[i+2:], ')')
			if end < 0 {
				b.WriteString("$(")
				i++
				continue
			}
			name := in[i+2 : i+2+end]
			if v, ok := lookup(name); ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += end + 2
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

func lookupIn(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func isTrue(b *bool) bool { return b != nil && *b }
