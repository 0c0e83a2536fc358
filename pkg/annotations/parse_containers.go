package annotations

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// This file holds the parsing of the containers stagehand injects into.

// TargetContainers resolves stagehand.io/containers against the names of
// the pod's app containers, in
// time linear in the number of containers. Names that are not app
// containers of the pod are reported in one error, whose message lists a
// bounded number of names however many the pod has.
func TargetContainers(anns map[string]string, names []string, errs field.ErrorList, path PathOf) ([]string, field.ErrorList) {
	v, ok := anns[Containers]
	if !ok {
		return names, errs
	}
	wanted := map[string]bool{}
	var unknown []string
	for _, name := range strings.Split(v, ",") {
		wanted[strings.TrimSpace(name)] = true
	}
	// Pod order, so that output does not depend on the annotation's order.
	targets := make([]string, 0, len(wanted))
	for _, name := range names {
		if wanted[name] {
			targets = append(targets, name)
			delete(wanted, name)
		}
	}
	if len(wanted) == 0 {
		return targets, errs
	}
	for _, name := range slices.Sorted(maps.Keys(wanted)) {
		unknown = append(unknown, strconv.Quote(name))
	}
	all := names[:min(len(names), maxListed)]
	msg := "container %s is not an app container of this pod (valid: %s)"
	if len(unknown) > 1 {
		msg = "containers %s are not app containers of this pod (valid: %s)"
	}
	return targets, append(errs, field.Invalid(path(Containers), v, fmt.Sprintf(msg, listed(unknown), listed(all))))
}

// maxListed is the most names an error message lists.
const maxListed = 10

// listed joins names for a message, at most maxListed of them.
func listed(names []string) string {
	s := strings.Join(names[:min(len(names), maxListed)], ", ")
	if len(names) > maxListed {
		s += fmt.Sprintf(" and %d more", len(names)-maxListed)
	}
	return s
}

// CheckTargetCount bounds the containers one admission injects into, and
// with them the size of its patch.
func CheckTargetCount(anns map[string]string, targets []string, errs field.ErrorList, keyPath PathOf) field.ErrorList {
	if len(targets) <= MaxTargetContainers {
		return errs
	}
	path := field.NewPath("spec", "containers")
	if _, ok := anns[Containers]; ok {
		path = keyPath(Containers)
	}
	tooMany := field.TooMany(path, len(targets), MaxTargetContainers)
	tooMany.Detail = fmt.Sprintf("stagehand injects into at most %d containers of a pod; name the ones it should inject in %s", MaxTargetContainers, Containers)
	return append(errs, tooMany)
}
