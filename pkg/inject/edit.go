package inject

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// editor applies the injections to one pod. It adds only elements that
// stagehand owns, replaces its own earlier elements in place, and records
// clashes with the user's elements as errors instead of overwriting them.
type editor struct {
	opts     *Options
	in       *Input // the pod as injection reads it, edited in place
	spec     *Spec
	previous Status // what an earlier injection owned
	status   Status // what this injection owns
	targets  []int  // indices of target containers in pod.Spec.Containers
	warnings []string
	errs     field.ErrorList
	// noCommand counts the errors of errs that are a target container
	// without a command the agent can wrap.
	noCommand int
	// inits are stagehand's init containers, placed before the user's.
	inits []corev1.Container
	// shared is what the injections contribute to the init container and
	// the emptyDir they share.
	shared shared
}

var (
	volumesPath        = field.NewPath("spec", "volumes")
	containersPath     = field.NewPath("spec", "containers")
	initContainersPath = field.NewPath("spec", "initContainers")
)

// ensureVolume adds v, or replaces stagehand's earlier volume of that name.
// cause is the annotation key that asked for it, for error messages.
func (e *editor) ensureVolume(v corev1.Volume, cause string) {
	e.status.Volumes = append(e.status.Volumes, v.Name)
	for i := range e.in.Spec.Volumes {
		if e.in.Spec.Volumes[i].Name != v.Name {
			continue
		}
		if !e.previous.ownsVolume(v.Name) {
			e.errs = append(e.errs, field.Invalid(volumesPath.Index(i).Child("name"), v.Name,
				fmt.Sprintf("the pod's volume clashes with the volume stagehand injects for %s; volume names starting with %q are reserved for stagehand", cause, reservedPrefix)))
			return
		}
		e.in.Spec.Volumes[i] = v
		return
	}
	e.in.Spec.Volumes = append(e.in.Spec.Volumes, v)
}

// ensureEnv sets an env var in every target container, unless the user set
// it already: then the user's value stays and a warning says so.
func (e *editor) ensureEnv(v corev1.EnvVar, cause string) {
	e.ensureEnvEach(v.Name, cause, func(*Container) corev1.EnvVar { return v })
}

// ensureEnvEach is ensureEnv with a value that depends on the container.
func (e *editor) ensureEnvEach(name, cause string, build func(*Container) corev1.EnvVar) {
	for _, ci := range e.targets {
		c := &e.in.Spec.Containers[ci]
		i := slices.IndexFunc(c.Env, func(x corev1.EnvVar) bool { return x.Name == name })
		switch {
		case i < 0:
			c.Env = append(c.Env, build(c))
		case e.previous.ownsEnv(c.Name, name):
			c.Env[i] = build(c)
		default:
			e.warnings = append(e.warnings, fmt.Sprintf("%s: %s is already set by the pod and was left as it is, so %s has no effect in container %q",
				containersPath.Index(ci).Child("env").Key(name), name, cause, c.Name))
			continue
		}
		e.status.addEnv(c.Name, name)
	}
}

// ensureInitContainer adds stagehand's init container. It goes before the
// user's own init containers, so those can use what it sets up.
func (e *editor) ensureInitContainer(c corev1.Container) {
	e.status.InitContainers = append(e.status.InitContainers, c.Name)
	e.inits = append(e.inits, c)
}

// placeInitContainers puts stagehand's init container first, followed by
// the user's in their own order.
func (e *editor) placeInitContainers() {
	var user []corev1.Container
	stale := e.anyStaleVolume()
	for i, c := range e.in.Spec.InitContainers {
		switch {
		case e.previous.ownsInitContainer(c.Name):
		case e.status.ownsInitContainer(c.Name):
			e.errs = append(e.errs, field.Invalid(initContainersPath.Index(i).Child("name"), c.Name,
				fmt.Sprintf("the pod's init container clashes with the one stagehand injects; names starting with %q are reserved for stagehand", reservedPrefix)))
		default:
			if stale {
				e.denyDanglingMounts(initContainersPath.Index(i), c.Name, c.VolumeMounts)
			}
			user = append(user, c)
		}
	}
	if len(e.inits) == 0 && len(user) == len(e.in.Spec.InitContainers) {
		return // nothing of ours, before or now: leave the list as it is
	}
	e.in.Spec.InitContainers = append(e.inits, user...)
}

// dropStale removes elements an earlier injection owned that this one does
// not, for example after the annotations changed. The pod's own elements
// stay, even those that look like stagehand's: mounts of stagehand's
// volumes, and env vars of a name stagehand injects set once more.
func (e *editor) dropStale() {
	stale := e.anyStaleVolume()
	if stale {
		e.in.Spec.Volumes = slices.DeleteFunc(e.in.Spec.Volumes, func(v corev1.Volume) bool { return e.staleVolume(v.Name) })
	}
	for i := range e.in.Spec.Containers {
		c := &e.in.Spec.Containers[i]
		e.dropStaleMounts(c)
		if stale {
			e.denyDanglingMounts(containersPath.Index(i), c.Name, c.VolumeMounts)
		}
		c.Env = deleteFirstOfName(c.Env, func(name string) bool {
			return e.previous.ownsEnv(c.Name, name) && !e.status.ownsEnv(c.Name, name)
		})
	}
}

// deleteFirstOfName removes from env the first env var of each name drop
// reports. Kubernetes accepts a name twice (the last one wins); stagehand's
// is the first, the one ensureEnvEach replaces: it never adds a name the
// container sets, so a later one of that name was set by the pod after
// stagehand's.
func deleteFirstOfName(env Env, drop func(string) bool) Env {
	var dropped []string
	return slices.DeleteFunc(env, func(v corev1.EnvVar) bool {
		if !drop(v.Name) || slices.Contains(dropped, v.Name) {
			return false
		}
		dropped = append(dropped, v.Name)
		return true
	})
}
