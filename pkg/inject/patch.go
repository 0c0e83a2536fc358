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

// buildPatch turns the edit of pod into JSON patch operations against the
// original object. Every operation removes an element the earlier injection
// owned (previous) or adds one this injection owns (current), so elements of
// the user, and fields the Go types do not know, are never removed or
// reordered.
func buildPatch(before, after *Input, previous, current *Status) []Operation {
	var ops []Operation
	ops = appendStatusPatch(ops, before.Metadata.Annotations, after.Metadata.Annotations)
	if !equalLists(before.Spec.Volumes, after.Spec.Volumes) {
		ops = diffList(ops, "/spec/volumes", before.Spec.Volumes, after.Spec.Volumes,
			func(l []corev1.Volume, i int) bool { return previous.ownsVolume(l[i].Name) },
			func(l []corev1.Volume, i int) bool { return current.ownsVolume(l[i].Name) })
	}
	if !equalLists(before.Spec.InitContainers, after.Spec.InitContainers) {
		ops = diffList(ops, "/spec/initContainers", before.Spec.InitContainers, after.Spec.InitContainers,
			func(l []corev1.Container, i int) bool { return previous.ownsInitContainer(l[i].Name) },
			func(l []corev1.Container, i int) bool { return current.ownsInitContainer(l[i].Name) })
	}
	for i := range after.Spec.Containers {
		c := &after.Spec.Containers[i]
		base := "/spec/containers/" + strconv.Itoa(i)
		was := &before.Spec.Containers[i]
		ops = appendCommandPatch(ops, base+"/command", was.Command, c.Command)
		if !equalLists(was.Env, c.Env) {
			ops = diffList(ops, base+"/env", was.Env, c.Env, envOwner(previous, c.Name), envOwner(current, c.Name))
		}
		if !equalLists(was.VolumeMounts, c.VolumeMounts) {
			ops = diffList(ops, base+"/volumeMounts", was.VolumeMounts, c.VolumeMounts,
				func(l []corev1.VolumeMount, i int) bool { return previous.ownsMount(c.Name, &l[i]) },
				func(l []corev1.VolumeMount, i int) bool { return current.ownsMount(c.Name, &l[i]) })
		}
	}
	return ops
}

// envOwner tells which env vars of a container status owns: the first of
// each name it lists (see deleteFirstOfName).
func envOwner(status *Status, container string) func(Env, int) bool {
	return func(env Env, i int) bool {
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

func appendStatusPatch(ops []Operation, before, after Annotations) []Operation {
	now, has := after[annotations.Status]
	was, hadStatus := before[annotations.Status]
	switch {
	case has && before == nil:
		return append(ops, Operation{Operation: "add", Path: "/metadata/annotations", Value: map[string]string{annotations.Status: now}})
	case has && !hadStatus:
		return append(ops, Operation{Operation: "add", Path: statusPointer, Value: now})
	case has && now != was:
		return append(ops, Operation{Operation: "replace", Path: statusPointer, Value: now})
	case !has && hadStatus:
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
// patch is marshalled.
func diffList[L ~[]T, T any](ops []Operation, path string, before, after L, ownedBefore, ownedAfter func(L, int) bool) []Operation {
	if len(before) == 0 {
		return append(ops, Operation{Operation: "add", Path: path, Value: after})
	}
	for i := len(before) - 1; i >= 0; i-- {
		if ownedBefore(before, i) {
			ops = append(ops, Operation{Operation: "remove", Path: path + "/" + strconv.Itoa(i)})
		}
	}
	for j := range after {
		if ownedAfter(after, j) {
			ops = append(ops, Operation{Operation: "add", Path: path + "/" + strconv.Itoa(j), Value: &after[j]})
		}
	}
	return ops
}

func equalLists[L ~[]T, T any](a, b L) bool {
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
