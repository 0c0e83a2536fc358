package inject

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Stagehand owns a mount it added, never a mount because of its volume: a
// pod may mount one of stagehand's volumes itself, at its own path or in a
// container that is not a target, and those mounts are the pod's. The
// status records, per container, the paths of stagehand's mounts (paths are
// unique in a container, so a path names a mount).

// ensureMount mounts a stagehand volume into every target container. It
// replaces stagehand's earlier mount at that path, or else of that volume
// and subdirectory, in place, and never touches the pod's own mounts, of
// this volume or any other.
func (e *editor) ensureMount(m corev1.VolumeMount, cause string) {
	for _, ci := range e.targets {
		c := &e.in.Spec.Containers[ci]
		samePath, sameVolume, clash := -1, -1, false
		for j := range c.VolumeMounts {
			um := &c.VolumeMounts[j]
			switch {
			case e.previous.ownsMount(c.Name, um):
				// Stagehand's from before: replaced here when at this
				// path or of this volume and subdirectory, else by its
				// own step, or dropped as stale.
				if um.MountPath == m.MountPath {
					samePath = j
				} else if um.Name == m.Name && um.SubPath == m.SubPath && sameVolume < 0 {
					sameVolume = j
				}
			case um.MountPath == m.MountPath:
				e.errs = append(e.errs, field.Invalid(containersPath.Index(ci).Child("volumeMounts").Index(j).Child("mountPath"), um.MountPath,
					fmt.Sprintf("container %q already mounts volume %q here, which clashes with the mount stagehand injects for %s; choose another path or remove the pod's mount",
						c.Name, um.Name, cause)))
				clash = true
			}
		}
		ours := samePath
		if ours < 0 {
			ours = sameVolume
		}
		switch {
		case clash:
		case ours >= 0:
			c.VolumeMounts[ours] = m
		default:
			c.VolumeMounts = append(c.VolumeMounts, m)
		}
		e.status.addMount(c.Name, m.MountPath)
	}
}

// adoptLegacyMounts reads the mounts of a status written before stagehand
// recorded them: such a status has volumes but no "mounts" member, and
// says only which volumes are stagehand's. Those versions appended one
// mount of each of its volumes to each target container, after the pod's
// own mounts, so the last mount of an owned volume in a target container is
// taken as stagehand's and every other mount as the pod's. The targets are
// this injection's: a container that stagehand.io/containers no longer
// names keeps its mounts as the pod's, and when their volume is no longer
// injected the injection is denied, naming them. The status written by
// this injection records the mounts exactly.
//
// A status of this version has no mounts only when no target got a mount,
// and then this finds none either.
func (e *editor) adoptLegacyMounts() {
	if e.previous.compact() || e.previous.Mounts != nil || len(e.previous.Volumes) == 0 {
		return
	}
	targets := make(map[string]bool, len(e.spec.Containers))
	for _, name := range e.spec.Containers {
		targets[name] = true
	}
	for i := range e.in.Spec.Containers {
		c := &e.in.Spec.Containers[i]
		if !targets[c.Name] {
			continue
		}
		for _, v := range e.previous.Volumes {
			for j := len(c.VolumeMounts) - 1; j >= 0; j-- {
				if c.VolumeMounts[j].Name == v {
					e.previous.addMount(c.Name, c.VolumeMounts[j].MountPath)
					break
				}
			}
		}
	}
}

// dropStaleMounts removes from an app container the mounts an earlier
// injection added that this one does not: of a volume no longer injected,
// at a path that changed, or in a container no longer targeted.
func (e *editor) dropStaleMounts(c *Container) {
	if len(e.previous.Mounts) == 0 {
		return // a first injection: nothing of stagehand's yet
	}
	c.VolumeMounts = slices.DeleteFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool {
		return e.previous.ownsMount(c.Name, &m) && !e.status.ownsMount(c.Name, &m)
	})
}

// staleVolume tells whether an earlier injection added the volume and this
// one does not.
func (e *editor) staleVolume(name string) bool {
	return e.previous.ownsVolume(name) && !e.status.ownsVolume(name)
}

// anyStaleVolume tells whether this injection removes a volume.
func (e *editor) anyStaleVolume() bool {
	return slices.ContainsFunc(e.previous.Volumes, e.staleVolume)
}

// denyDanglingMounts reports the pod's own mounts, in the container at path,
// of volumes stagehand injected before and no longer does: stagehand
// removes the volume but not the pod's mount, which would then name a
// volume that does not exist. Call it after stagehand's stale mounts are
// gone.
func (e *editor) denyDanglingMounts(path *field.Path, container string, mounts []corev1.VolumeMount) {
	for j := range mounts {
		if name := mounts[j].Name; e.staleVolume(name) {
			e.errs = append(e.errs, field.Invalid(path.Child("volumeMounts").Index(j).Child("name"), name,
				fmt.Sprintf("container %q mounts volume %q itself, which stagehand injected before but the pod's stagehand.io annotations no longer ask for; remove the mount, or ask for the volume again",
					container, name)))
		}
	}
}
