package inject

import (
	"encoding/json"
	"slices"
)

// statusJSON is a Status as written: Env is a list in the compact form
// when it is the same in every target, a map otherwise.
type statusJSON struct {
	Version        string              `json:"version"`
	Parts          []string            `json:"parts"`
	Targets        []string            `json:"targets,omitempty"`
	Env            any                 `json:"env,omitempty"`
	Volumes        []string            `json:"volumes,omitempty"`
	Mounts         map[string][]string `json:"mounts,omitempty"`
	InitContainers []string            `json:"initContainers,omitempty"`
	Wrapped        []string            `json:"wrapped,omitempty"`
	Entrypoint     []string            `json:"entrypoint,omitempty"`
	Profile        *ProfileRef         `json:"profile,omitempty"`
}

// encode writes the status of pod, injected into targets: compact when
// reading pod back gives exactly the status's lists, in full otherwise (and
// without targets).
func (s *Status) encode(pod *Input, targets []string) string {
	out := statusJSON{Version: s.Version, Parts: s.Parts, Entrypoint: s.Entrypoint, Profile: s.Profile}
	if len(targets) > 0 && s.derivable(pod, targets) {
		out.Targets = targets
		if env := sameInEach(s.Env, targets); env != nil {
			out.Env = env
		} else if len(s.Env) > 0 {
			out.Env = s.Env
		}
	} else {
		if len(s.Env) > 0 {
			out.Env = s.Env
		}
		out.Volumes, out.Mounts, out.InitContainers, out.Wrapped = s.Volumes, s.Mounts, s.InitContainers, s.Wrapped
	}
	b, err := json.Marshal(out)
	if err != nil {
		panic(err) // a struct of strings always marshals
	}
	return string(b)
}

// UnmarshalJSON reads either form; a list of env vars is every target's.
func (s *Status) UnmarshalJSON(data []byte) error {
	type plain Status
	var raw struct {
		plain
		Env json.RawMessage `json:"env"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*s = Status(raw.plain)
	s.Env = nil
	if len(raw.Env) == 0 || string(raw.Env) == "null" {
		return nil
	}
	if raw.Env[0] != '[' {
		return json.Unmarshal(raw.Env, &s.Env)
	}
	var names []string
	if err := json.Unmarshal(raw.Env, &names); err != nil {
		return err
	}
	s.Env = make(map[string][]string, len(s.Targets))
	for _, t := range s.Targets {
		s.Env[t] = slices.Clone(names)
	}
	return nil
}

// fillFrom derives, for a compact status, what it leaves out from the pod
// it is on.
func (s *Status) fillFrom(pod *Input) {
	if !s.compact() {
		return
	}
	d := derive(pod, s.Parts, s.Targets)
	s.Volumes, s.Mounts, s.InitContainers, s.Wrapped = d.Volumes, d.Mounts, d.InitContainers, d.Wrapped
}

// derive reads from pod what stagehand owns there if it injected parts into
// targets: the volumes and init containers of the pod that those parts own,
// the targets' mounts of those volumes, and the targets, when a part wraps
// commands.
func derive(pod *Input, parts, targets []string) Status {
	var volumes, inits []string
	wraps := false
	for _, j := range table {
		if a := j.about(); slices.Contains(parts, a.Part) {
			volumes = append(volumes, a.Owns.Volumes...)
			inits = append(inits, a.Owns.InitContainers...)
			wraps = wraps || a.Owns.WrapsCommands
		}
	}
	var d Status
	for i := range pod.Spec.Volumes {
		if name := pod.Spec.Volumes[i].Name; slices.Contains(volumes, name) {
			d.Volumes = append(d.Volumes, name)
		}
	}
	for i := range pod.Spec.InitContainers {
		if name := pod.Spec.InitContainers[i].Name; slices.Contains(inits, name) {
			d.InitContainers = append(d.InitContainers, name)
		}
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		if !slices.Contains(targets, c.Name) {
			continue
		}
		for _, m := range c.VolumeMounts {
			if d.ownsVolume(m.Name) {
				d.addMount(c.Name, m.MountPath)
			}
		}
		if wraps {
			d.Wrapped = append(d.Wrapped, c.Name)
		}
	}
	return d
}

// derivable tells whether derive reads back from pod, injected into
// targets, the volumes, init containers, mounts and wrapped containers s
// owns.
func (s *Status) derivable(pod *Input, targets []string) bool {
	d := derive(pod, s.Parts, targets)
	return d.sameOwnership(s)
}

// sameOwnership tells whether d and s own the same volumes, init
// containers, mounts and wrapped containers.
func (d *Status) sameOwnership(s *Status) bool {
	if !sameSet(d.Volumes, s.Volumes) || !sameSet(d.InitContainers, s.InitContainers) ||
		!sameSet(d.Wrapped, s.Wrapped) || len(d.Mounts) != len(s.Mounts) {
		return false
	}
	for c, paths := range d.Mounts {
		if !sameSet(paths, s.Mounts[c]) {
			return false
		}
	}
	return true
}

// sameSet tells whether a and b hold the same strings as many times each,
// in any order, without allocating: the lists are a pod's few volumes,
// mounts or containers.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if count(a, x) != count(b, x) {
			return false
		}
	}
	return true
}

func count(list []string, x string) int {
	n := 0
	for _, y := range list {
		if y == x {
			n++
		}
	}
	return n
}

// sameInEach is the list every target has in lists, when they all have the
// same one and no other container has one; nil otherwise.
func sameInEach(lists map[string][]string, targets []string) []string {
	if len(lists) != len(targets) {
		return nil
	}
	first := lists[targets[0]]
	for _, t := range targets {
		if l, ok := lists[t]; !ok || !slices.Equal(l, first) {
			return nil
		}
	}
	return first
}
