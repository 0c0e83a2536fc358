package inject

import (
	"path"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// What several injections share: one init container and one emptyDir. Each
// injection that needs them contributes a step to the init container (its
// flags, env, mounts and resources) and its share of the emptyDir's size,
// and mounts its subdirectory of the emptyDir into the target containers
// itself; the editor assembles both once every injection has applied
// (assembleShared). So a pod has at most one init container of stagehand's
// however many injections it asks for: each init container is one more
// container start, and one more kubelet relist, before the task starts.
const (
	// InitContainer runs `agent init` with every step's flags.
	InitContainer = agentapi.InitContainer
	// DataVolume is the emptyDir, mounted whole at agentapi.Dir in the
	// init container and by subdirectory (dataSubPath) into the target
	// containers. Its sizeLimit is the sum of every share.
	DataVolume = reservedPrefix
)

// initStep is what one injection adds to the init container. Its args
// follow the others' in table order; the init container's resources are
// the largest of each step's.
type initStep struct {
	args   []string
	env    []corev1.EnvVar
	mounts []corev1.VolumeMount
	res    corev1.ResourceRequirements
}

// shared is what the injections contributed to the init container and to
// the emptyDir.
type shared struct {
	steps []initStep
	// size is the emptyDir's sizeLimit so far, cause the key that first
	// asked for it, for error messages.
	size  resource.Quantity
	cause string
}

// addInitStep adds a step to the init container.
func (e *editor) addInitStep(s initStep) { e.shared.steps = append(e.shared.steps, s) }

// useData adds size to the emptyDir, which cause's injection uses; an
// injection that only adds to it when another uses it gives no cause.
func (e *editor) useData(size resource.Quantity, cause string) {
	if e.shared.cause == "" {
		e.shared.cause = cause
	}
	e.shared.size.Add(size)
}

// dataMount mounts the subdirectory of the emptyDir that holds what is at
// dir in the init container (one of agentapi's directories under
// agentapi.Dir) at mountPath.
func dataMount(dir, mountPath string, readOnly bool) corev1.VolumeMount {
	return corev1.VolumeMount{Name: DataVolume, MountPath: mountPath, SubPath: path.Base(dir), ReadOnly: readOnly}
}

// assembleShared adds the emptyDir and the init container the injections
// contributed to, if any.
func (e *editor) assembleShared() {
	s := &e.shared
	if s.cause != "" {
		size := s.size.DeepCopy()
		e.ensureVolume(corev1.Volume{Name: DataVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &size}}}, s.cause)
	}
	if len(s.steps) == 0 {
		return
	}
	command := []string{agentapi.ImageBinary, agentapi.CommandInit}
	var (
		env    []corev1.EnvVar
		mounts []corev1.VolumeMount
		res    corev1.ResourceRequirements
	)
	if s.cause != "" {
		mounts = append(mounts, corev1.VolumeMount{Name: DataVolume, MountPath: agentapi.Dir})
	}
	for _, step := range s.steps {
		command = append(command, step.args...)
		env = append(env, step.env...)
		mounts = append(mounts, step.mounts...)
		res.Requests = larger(res.Requests, step.res.Requests)
		res.Limits = larger(res.Limits, step.res.Limits)
	}
	e.ensureInitContainer(initContainer(InitContainer, e.opts.AgentImage, command, env, mounts, res))
}

// larger is a with each quantity of b that is larger.
func larger(a, b corev1.ResourceList) corev1.ResourceList {
	if a == nil {
		a = corev1.ResourceList{}
	}
	for name, q := range b {
		if have, ok := a[name]; !ok || q.Cmp(have) > 0 {
			a[name] = q
		}
	}
	return a
}

// flagDuration writes a duration as a flag value, without its zero units:
// "6h", not "6h0m0s".
func flagDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
