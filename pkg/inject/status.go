package inject

import (
	"encoding/json"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// Status is the JSON value of the stagehand.io/status annotation. Besides
// telling users what was injected, it records exactly which elements
// stagehand owns, so that re-injection can replace them and nothing else.
//
// It is written in one of two forms. The compact form lists the target
// containers and the env vars stagehand set in them, and leaves out what
// the pod itself shows: stagehand's volumes are those its parts own, its
// mounts those of its volumes in the targets, its init container the one
// its parts add, and the agent wraps every target (see derive). It is
// written only when that reading of the injected pod gives back exactly
// what stagehand added; otherwise, for example when the pod mounts one of
// stagehand's volumes itself, every list is written (the full form, which
// earlier versions always wrote, with a spec hash). Read from a pod,
// either form gives the same Status (see Inject).
type Status struct {
	// Version is the stagehand version that injected the pod.
	Version string `json:"version"`
	// Parts lists the injected parts in injection order.
	Parts []string `json:"parts"`
	// SpecHash is a hash of the parsed annotations, which versions before
	// the compact form wrote; it is read, never written.
	SpecHash string `json:"specHash,omitempty"`
	// Targets are the target containers: set in the compact form only.
	Targets []string `json:"targets,omitempty"`
	// Volumes are the pod volumes stagehand added.
	Volumes []string `json:"volumes,omitempty"`
	// Env maps a container name to the env vars stagehand added to it.
	// The compact form writes one list when it is the same in every target.
	Env map[string][]string `json:"env,omitempty"`
	// Mounts maps a container name to the paths of the mounts stagehand
	// added to it; a mount path is unique in a container. The pod's own
	// mounts of stagehand's volumes are not listed: they are the pod's.
	// Statuses written before stagehand recorded its mounts have none:
	// see adoptLegacyMounts.
	Mounts map[string][]string `json:"mounts,omitempty"`
	// InitContainers are the init containers stagehand added.
	InitContainers []string `json:"initContainers,omitempty"`
	// Wrapped are the containers whose command runs through the agent.
	Wrapped []string `json:"wrapped,omitempty"`
	// Entrypoint are the wrapped containers that had no command: their
	// entrypoint came from the webhook's entrypoint map.
	Entrypoint []string `json:"entrypoint,omitempty"`
	// Profile is the InjectionProfile whose annotations applied, if any.
	Profile *ProfileRef `json:"profile,omitempty"`
}

// ParseStatus reads a status annotation value. ok is false when it is absent
// or not stagehand's JSON. Of a compact status, the lists the pod shows
// (volumes, mounts, init containers, wrapped containers) are not read: they
// are the pod's to derive.
func ParseStatus(value string) (Status, bool) {
	if value == "" {
		return Status{}, false // most pods: decode nothing, allocate nothing
	}
	return decodeStatus(value)
}

func decodeStatus(value string) (Status, bool) {
	var s Status
	if json.Unmarshal([]byte(value), &s) != nil || (s.SpecHash == "" && len(s.Parts) == 0) {
		return Status{}, false
	}
	return s, true
}

// compact tells whether the status is of the compact form.
func (s *Status) compact() bool { return s.Targets != nil }

func (s *Status) ownsVolume(name string) bool { return slices.Contains(s.Volumes, name) }

func (s *Status) ownsInitContainer(name string) bool { return slices.Contains(s.InitContainers, name) }

func (s *Status) ownsEnv(container, name string) bool {
	return slices.Contains(s.Env[container], name)
}

// ownsMount tells whether m, in the named container, is a mount stagehand
// added: of a volume it owns, at a path it recorded in that container.
func (s *Status) ownsMount(container string, m *corev1.VolumeMount) bool {
	return s.ownsVolume(m.Name) && slices.Contains(s.Mounts[container], m.MountPath)
}

func (s *Status) addMount(container, path string) { addTo(&s.Mounts, container, path) }

func (s *Status) addEnv(container, name string) { addTo(&s.Env, container, name) }

// addTo records an element stagehand added to a container in a per
// container list of the status.
func addTo(lists *map[string][]string, container, element string) {
	if *lists == nil {
		*lists = map[string][]string{}
	}
	(*lists)[container] = append((*lists)[container], element)
}
