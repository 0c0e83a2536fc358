package podrunner

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// hostDirs are the host directories every container root gets (those that
// exist), under the image's entries.
var hostDirs = []string{"usr", "bin", "lib", "lib64", "sbin", "etc"}

// reservedEntries are set up by the runner and never taken from an image.
var reservedEntries = map[string]bool{"dev": true, "proc": true, "sys": true, entrypointFile: true, cmdFile: true, envFile: true}

// defaultTerminationMessagePath is the kubelet's default.
const defaultTerminationMessagePath = "/dev/termination-log"

// plan is everything the re-executed helper needs to assemble a container's
// root filesystem and exec its command. It travels as a JSON file.
type plan struct {
	// Probe only checks that namespaces, tmpfs and proc mounts work.
	Probe bool `json:"probe,omitempty"`
	// UserNS is set when the helper runs in a user namespace (runner not
	// root): overlays use userxattr, credentials are not changed.
	UserNS bool `json:"userNS,omitempty"`
	// Root and Scratch are empty host directories; the helper mounts a
	// tmpfs on each (in its namespace): Root becomes "/", Scratch holds the
	// overlays' upper and work directories.
	Root    string `json:"root"`
	Scratch string `json:"scratch"`
	// Entries are the root's top-level entries from the host and the image.
	Entries      []rootEntry `json:"entries"`
	Mounts       []bindMount `json:"mounts"`
	Hostname     string      `json:"hostname"`
	ReadOnlyRoot bool        `json:"readOnlyRoot,omitempty"`
	WorkingDir   string      `json:"workingDir"`
	Argv         []string    `json:"argv"`
	Env          []string    `json:"env"`
	UID          *int64      `json:"uid,omitempty"`
	GID          *int64      `json:"gid,omitempty"`
	Groups       []int64     `json:"groups,omitempty"`
}

// rootEntry is one top-level entry of the root: a copy-on-write overlay of
// directories (topmost first), a symlink, or a copied file.
type rootEntry struct {
	Name string   `json:"name"`
	Dirs []string `json:"dirs,omitempty"`
	Link string   `json:"link,omitempty"`
	File string   `json:"file,omitempty"`
}

// bindMount binds a host file or directory at Target inside the root.
type bindMount struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"readOnly,omitempty"`
}

// rootEntries merges the image's top-level entries over the host
// directories: the topmost source decides the type; directories stacked
// directly under a directory are merged into one overlay.
func rootEntries(img *image) ([]rootEntry, error) {
	names := map[string]bool{}
	for _, n := range hostDirs {
		if _, err := os.Lstat("/" + n); err == nil {
			names[n] = true
		}
	}
	if img.dir != "" {
		des, err := os.ReadDir(img.dir)
		if err != nil {
			return nil, fmt.Errorf("image %q: %w", img.ref, err)
		}
		for _, de := range des {
			if !reservedEntries[de.Name()] {
				names[de.Name()] = true
			}
		}
	}
	var entries []rootEntry
	for _, name := range sortedKeys(names) {
		var sources []string
		if img.dir != "" {
			sources = append(sources, filepath.Join(img.dir, name))
		}
		if contains(hostDirs, name) {
			sources = append(sources, "/"+name)
		}
		e, err := mergeEntry(name, sources)
		if err != nil {
			return nil, err
		}
		if e != nil {
			entries = append(entries, *e)
		}
	}
	return entries, nil
}

func mergeEntry(name string, sources []string) (*rootEntry, error) {
	e := &rootEntry{Name: name}
	for _, src := range sources {
		fi, err := os.Lstat(src)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		switch {
		case len(e.Dirs) > 0 && !fi.IsDir():
			return e, nil // a directory hides what is below it
		case fi.IsDir():
			e.Dirs = append(e.Dirs, src)
			continue
		case fi.Mode()&fs.ModeSymlink != 0:
			if e.Link, err = os.Readlink(src); err != nil {
				return nil, err
			}
		case fi.Mode().IsRegular():
			e.File = src
		default:
			return nil, fmt.Errorf("%s: unsupported file type %v", src, fi.Mode().Type())
		}
		return e, nil
	}
	if len(e.Dirs) == 0 {
		return nil, nil
	}
	return e, nil
}

// containerMounts lists the container's volume mounts and its termination
// log as bind mounts, parents before children (like container runtimes
// sort them).
func containerMounts(c *corev1.Container, vols map[string]volume, vars map[string]string, termLog string) ([]bindMount, error) {
	msgPath := c.TerminationMessagePath
	if msgPath == "" {
		msgPath = defaultTerminationMessagePath
	}
	mounts := []bindMount{{Source: termLog, Target: msgPath}}
	for _, vm := range c.VolumeMounts {
		vol, ok := vols[vm.Name]
		if !ok {
			return nil, configErrorf("volumeMount %q: no volume %q in the pod", vm.MountPath, vm.Name)
		}
		if !path.IsAbs(vm.MountPath) {
			return nil, configErrorf("volumeMount %q: mountPath must be absolute", vm.MountPath)
		}
		src := vol.dir
		sub := vm.SubPath
		if vm.SubPathExpr != "" {
			sub = expand(vm.SubPathExpr, lookupIn(vars))
		}
		if sub != "" {
			if err := checkRelative(sub); err != nil {
				return nil, configErrorf("volumeMount %q: subPath: %w", vm.MountPath, err)
			}
			var err error
			if src, err = ensureInRoot(vol.dir, sub, false); err != nil {
				return nil, configErrorf("volumeMount %q: subPath: %w", vm.MountPath, err)
			}
		}
		mounts = append(mounts, bindMount{Source: src, Target: vm.MountPath, ReadOnly: vm.ReadOnly || vol.readOnly})
	}
	sort.SliceStable(mounts, func(i, j int) bool {
		return depth(mounts[i].Target) < depth(mounts[j].Target)
	})
	return mounts, nil
}

func depth(p string) int { return len(splitPath(p)) }

// credentials picks the user and groups: the container's securityContext
// over the pod's; fsGroup and supplementalGroups become supplementary
// groups.
func credentials(pod *corev1.Pod, c *corev1.Container) (uid, gid *int64, groups []int64, err error) {
	var nonRoot *bool
	if sc := pod.Spec.SecurityContext; sc != nil {
		uid, gid, nonRoot = sc.RunAsUser, sc.RunAsGroup, sc.RunAsNonRoot
		if sc.FSGroup != nil {
			groups = append(groups, *sc.FSGroup)
		}
		groups = append(groups, sc.SupplementalGroups...)
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			uid = sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			gid = sc.RunAsGroup
		}
		if sc.RunAsNonRoot != nil {
			nonRoot = sc.RunAsNonRoot
		}
	}
	if isTrue(nonRoot) && (uid == nil || *uid == 0) {
		return nil, nil, nil, configErrorf("runAsNonRoot is set but the container would run as root (set runAsUser)")
	}
	return uid, gid, groups, nil
}

func readOnlyRoot(c *corev1.Container) bool {
	return c.SecurityContext != nil && isTrue(c.SecurityContext.ReadOnlyRootFilesystem)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// overlayPath escapes a path for an overlay mount option.
func overlayPath(p string) (string, error) {
	if strings.ContainsAny(p, ",\n") {
		return "", fmt.Errorf("path %q cannot be used in an overlay mount", p)
	}
	return strings.NewReplacer(`\`, `\\`, `:`, `\:`).Replace(p), nil
}
