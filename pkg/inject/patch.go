package inject

import (
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// Operation is one JSON patch operation (RFC 6902). It marshals as a plain
// struct, without the intermediate map other JSON patch types build.
type Operation struct {
	Operation string `json:"op"`
	Path      string `json:"path"`
	// Value is absent for "remove".
	Value any `json:"value,omitempty"`
}

// snapshot keeps the lists an injection may change, as they were before it.
type snapshot struct {
	annotationsNil bool
	status         string
	hasStatus      bool
	volumes        []corev1.Volume
	initContainers []corev1.Container
	containers     []containerSnapshot
}

// containerSnapshot keeps the lists of one app container.
type containerSnapshot struct {
	command []string
	env     []corev1.EnvVar
	mounts  []corev1.VolumeMount
}

func takeSnapshot(pod *corev1.Pod) snapshot {
	s := snapshot{annotationsNil: pod.Annotations == nil, volumes: pod.Spec.Volumes, initContainers: pod.Spec.InitContainers}
	s.status, s.hasStatus = pod.Annotations[annotations.Status]
	s.containers = make([]containerSnapshot, len(pod.Spec.Containers))
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		s.containers[i] = containerSnapshot{command: c.Command, env: c.Env, mounts: c.VolumeMounts}
	}
	return s
}

// buildPatch turns the edit of pod into JSON patch operations against the
// original object. Every operation removes an element the earlier injection
// owned (previous) or adds one this injection owns (current), so elements of
// the user, and fields the Go types do not know, are never removed or
// reordered.
func buildPatch(before *snapshot, pod *corev1.Pod, previous, current *Status) []Operation {
	ops := make([]Operation, 0, 16)
	ops = appendStatusPatch(ops, before, pod)
	if !equalLists(before.volumes, pod.Spec.Volumes) {
		ops = diffList(ops, "/spec/volumes", before.volumes, pod.Spec.Volumes,
			func(l []corev1.Volume, i int) bool { return previous.ownsVolume(l[i].Name) },
			func(l []corev1.Volume, i int) bool { return current.ownsVolume(l[i].Name) }, nil)
	}
	if !equalLists(before.initContainers, pod.Spec.InitContainers) {
		ops = diffList(ops, "/spec/initContainers", before.initContainers, pod.Spec.InitContainers,
			func(l []corev1.Container, i int) bool { return previous.ownsInitContainer(l[i].Name) },
			func(l []corev1.Container, i int) bool { return current.ownsInitContainer(l[i].Name) }, containerValue)
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		base := "/spec/containers/" + strconv.Itoa(i)
		was := &before.containers[i]
		ops = appendCommandPatch(ops, base+"/command", was.command, c.Command)
		if !equalLists(was.env, c.Env) {
			ops = diffList(ops, base+"/env", was.env, c.Env, envOwner(previous, c.Name), envOwner(current, c.Name), nil)
		}
		if !equalLists(was.mounts, c.VolumeMounts) {
			ops = diffList(ops, base+"/volumeMounts", was.mounts, c.VolumeMounts,
				func(l []corev1.VolumeMount, i int) bool { return previous.ownsMount(c.Name, &l[i]) },
				func(l []corev1.VolumeMount, i int) bool { return current.ownsMount(c.Name, &l[i]) }, nil)
		}
	}
	return ops
}

// envOwner tells which env vars of a container status owns: the first of
// each name it lists (see deleteFirstOfName).
func envOwner(status *Status, container string) func([]corev1.EnvVar, int) bool {
	return func(env []corev1.EnvVar, i int) bool {
		name := env[i].Name
		return status.ownsEnv(container, name) &&
			slices.IndexFunc(env[:i], func(v corev1.EnvVar) bool { return v.Name == name }) < 0
	}
}

// appendCommandPatch rewrites a container's command, which the agent wraps.
func appendCommandPatch(ops []Operation, path string, before, after []string) []Operation {
	switch {
	case slices.Equal(before, after):
		return ops
	case len(after) == 0:
		return append(ops, Operation{Operation: "remove", Path: path})
	case len(before) == 0:
		return append(ops, Operation{Operation: "add", Path: path, Value: after})
	}
	return append(ops, Operation{Operation: "replace", Path: path, Value: after})
}

var statusPointer = "/metadata/annotations/" + escapePointer(annotations.Status)

func appendStatusPatch(ops []Operation, before *snapshot, pod *corev1.Pod) []Operation {
	now, has := pod.Annotations[annotations.Status]
	switch {
	case has && before.annotationsNil:
		return append(ops, Operation{Operation: "add", Path: "/metadata/annotations", Value: map[string]string{annotations.Status: now}})
	case has && !before.hasStatus:
		return append(ops, Operation{Operation: "add", Path: statusPointer, Value: now})
	case has && now != before.status:
		return append(ops, Operation{Operation: "replace", Path: statusPointer, Value: now})
	case !has && before.hasStatus:
		return append(ops, Operation{Operation: "remove", Path: statusPointer})
	}
	return ops
}

// diffList appends to ops the operations that patch list before into
// after: ownedBefore tells which elements of before stagehand owned, and
// ownedAfter which of after it owns. after must be before without its
// owned elements and with the owned elements of after inserted: the
// user's elements keep their relative order. The lists differ: callers
// compare them first (equalLists), before building the owner functions.
// Values point into after, which must not change until the
// patch is marshalled; value, when not nil, gives the patch value of an
// element instead.
func diffList[T any](ops []Operation, path string, before, after []T, ownedBefore, ownedAfter func([]T, int) bool, value func(*T) any) []Operation {
	if value == nil {
		value = func(e *T) any { return e }
	}
	if len(before) == 0 {
		return append(ops, Operation{Operation: "add", Path: path, Value: listValue(after, value)})
	}
	for i := len(before) - 1; i >= 0; i-- {
		if ownedBefore(before, i) {
			ops = append(ops, Operation{Operation: "remove", Path: path + "/" + strconv.Itoa(i)})
		}
	}
	for j := range after {
		if ownedAfter(after, j) {
			ops = append(ops, Operation{Operation: "add", Path: path + "/" + strconv.Itoa(j), Value: value(&after[j])})
		}
	}
	return ops
}

// listValue is the patch value of a whole list: the list itself when its
// elements are their own values.
func listValue[T any](list []T, value func(*T) any) any {
	if len(list) == 0 {
		return list
	}
	if _, same := value(&list[0]).(*T); same {
		return list
	}
	out := make([]any, len(list))
	for i := range list {
		out[i] = value(&list[i])
	}
	return out
}

func equalLists[T any](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equality.Semantic.DeepEqual(&a[i], &b[i]) {
			return false
		}
	}
	return true
}

// escapePointer escapes a JSON pointer token (RFC 6901).
func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
