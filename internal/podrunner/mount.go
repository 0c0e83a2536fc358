//go:build linux

package podrunner

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// devices are bound from the host's /dev into the container's /dev.
var devices = []string{"null", "zero", "full", "random", "urandom", "tty"}

// lockedFlags are the mount flags a read-only remount must preserve (the
// kernel refuses to drop them in a user namespace).
const lockedFlags = syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC |
	syscall.MS_NOATIME | syscall.MS_NODIRATIME | syscall.MS_RELATIME

func mountTmpfs(target, opts string) error {
	if err := syscall.Mount("tmpfs", target, "tmpfs", syscall.MS_NODEV, opts); err != nil {
		return fmt.Errorf("mount tmpfs on %s: %w", target, err)
	}
	return nil
}

// mountOverlay mounts a copy-on-write view of e.Dirs at target, its upper
// layer on the scratch tmpfs, so the container can write anywhere without
// touching the host or the image. Without overlayfs it falls back to a
// read-only bind of the topmost directory.
func mountOverlay(p *plan, e rootEntry, target string) error {
	if err := os.Mkdir(target, 0o755); err != nil {
		return err
	}
	upper := filepath.Join(p.Scratch, e.Name, "upper")
	work := filepath.Join(p.Scratch, e.Name, "work")
	for _, d := range []string{upper, work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	// The merged directory takes its attributes from the upper one.
	var st syscall.Stat_t
	if err := syscall.Stat(e.Dirs[0], &st); err != nil {
		return err
	}
	if err := os.Chmod(upper, os.FileMode(st.Mode&0o7777)); err != nil {
		return err
	}
	os.Lchown(upper, int(st.Uid), int(st.Gid))
	lower := make([]string, len(e.Dirs))
	for i, d := range e.Dirs {
		var err error
		if lower[i], err = overlayPath(d); err != nil {
			return err
		}
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", strings.Join(lower, ":"), upper, work)
	if p.UserNS {
		opts += ",userxattr"
	}
	err := syscall.Mount("overlay", target, "overlay", 0, opts)
	if err == nil {
		return nil
	}
	fmt.Fprintf(os.Stderr, "podrunner: overlayfs unavailable for /%s (%v): bound read-only\n", e.Name, err)
	return bind(e.Dirs[0], target, true)
}

// setupDev gives the container a minimal /dev on a tmpfs.
func setupDev(p *plan) error {
	dev, err := ensureInRoot(p.Root, "/dev", false)
	if err != nil {
		return err
	}
	if err := syscall.Mount("tmpfs", dev, "tmpfs", syscall.MS_NOSUID|syscall.MS_NOEXEC, "mode=0755"); err != nil {
		return fmt.Errorf("mount /dev: %w", err)
	}
	for _, name := range devices {
		src := "/dev/" + name
		if _, err := os.Stat(src); err != nil {
			continue
		}
		target := filepath.Join(dev, name)
		if err := os.WriteFile(target, nil, 0o666); err != nil {
			return err
		}
		if err := bind(src, target, false); err != nil {
			return fmt.Errorf("/dev/%s: %w", name, err)
		}
	}
	links := map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dev, name)); err != nil {
			return err
		}
	}
	shm := filepath.Join(dev, "shm")
	if err := os.Mkdir(shm, 0o777); err != nil {
		return err
	}
	return mountTmpfs(shm, "mode=1777")
}

// bindInRoot binds m.Source at m.Target inside root, creating the mount
// point (a file for a file source) inside root only.
func bindInRoot(root string, m bindMount) error {
	fi, err := os.Stat(m.Source)
	if err != nil {
		return err
	}
	target, err := ensureInRoot(root, m.Target, !fi.IsDir())
	if err != nil {
		return err
	}
	return bind(m.Source, target, m.ReadOnly)
}

func bind(src, target string, readOnly bool) error {
	if err := syscall.Mount(src, target, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s: %w", src, err)
	}
	if readOnly {
		return remountReadOnly(target)
	}
	return nil
}

// remountReadOnly makes a mount read-only, keeping its locked flags.
func remountReadOnly(target string) error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(target, &st); err != nil {
		return err
	}
	flags := uintptr(syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY) | uintptr(st.Flags)&lockedFlags
	if err := syscall.Mount("", target, "", flags, ""); err != nil {
		return fmt.Errorf("remount %s read-only: %w", target, err)
	}
	return nil
}

// detachUnder lazily unmounts whatever is mounted below dir in the
// runner's own mount namespace (normally nothing: containers mount in their
// own namespaces) and reports whether anything is still mounted there.
func detachUnder(dir string) error {
	points, err := mountsUnder(dir)
	if err != nil {
		return err
	}
	sort.Sort(sort.Reverse(sort.StringSlice(points)))
	for _, p := range points {
		syscall.Unmount(p, syscall.MNT_DETACH)
	}
	if points, err = mountsUnder(dir); err == nil && len(points) > 0 {
		return fmt.Errorf("still mounted below %s: %s", dir, strings.Join(points, ", "))
	}
	return err
}

func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 5 {
			continue
		}
		p := unescapeMountinfo(fields[4])
		if p == dir || strings.HasPrefix(p, dir+"/") {
			out = append(out, p)
		}
	}
	return out, s.Err()
}

// unescapeMountinfo decodes the octal escapes (\040 and friends) of
// mountinfo paths.
func unescapeMountinfo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var c byte
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &c); err == nil {
				b.WriteByte(c)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
