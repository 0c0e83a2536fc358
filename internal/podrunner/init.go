//go:build linux

package podrunner

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Environment of the re-executed helper.
const (
	envInit = "STAGEHAND_PODRUNNER_INIT" // path of the plan file
	// syncFD is where the helper reports a setup failure; it is closed on
	// exec, so EOF without data means the command started.
	syncFD = 3
)

// initHooked records that MaybeRunInit was called in this process.
var initHooked bool

// MaybeRunInit must be called first thing in main (and in TestMain of tests
// that use Run): when the process is the runner's re-executed helper it
// assembles the container's root filesystem and execs the container's
// command, never returning; otherwise it returns immediately.
func MaybeRunInit() {
	planPath := os.Getenv(envInit)
	if planPath == "" {
		initHooked = true
		return
	}
	err := runInit(planPath)
	sync := os.NewFile(syncFD, "sync")
	fmt.Fprintf(sync, "%v", err)
	os.Exit(1)
}

// runInit returns only on failure (or nil after a successful probe, which
// exits 0).
func runInit(planPath string) error {
	data, err := os.ReadFile(planPath)
	if err != nil {
		return fmt.Errorf("read plan: %w", err)
	}
	var p plan
	if err := json.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("decode plan: %w", err)
	}
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	if p.Probe {
		if err := mountTmpfs(p.Root, "mode=0755"); err != nil {
			return err
		}
		if err := syscall.Mount("proc", p.Root, "proc", 0, ""); err != nil {
			return fmt.Errorf("mount proc: %w", err)
		}
		os.Exit(0)
	}
	if err := assembleRoot(&p); err != nil {
		return err
	}
	if err := syscall.Chroot(p.Root); err != nil {
		return fmt.Errorf("chroot: %w", err)
	}
	if err := os.Chdir(p.WorkingDir); err != nil {
		return fmt.Errorf("workingDir: %w", err)
	}
	if err := setCredentials(&p); err != nil {
		return err
	}
	env := p.Env
	if !hasEnv(env, "HOME") {
		env = append(env, "HOME="+homeDir(p.UID))
	}
	bin, err := lookPath(p.Argv[0], env)
	if err != nil {
		return err
	}
	syscall.CloseOnExec(syncFD)
	err = syscall.Exec(bin, p.Argv, env)
	return fmt.Errorf("exec %s: %w", p.Argv[0], err)
}

// assembleRoot builds the container's root at p.Root, all in the helper's
// private mount namespace.
func assembleRoot(p *plan) error {
	if err := mountTmpfs(p.Root, "mode=0755"); err != nil {
		return err
	}
	if err := mountTmpfs(p.Scratch, "mode=0700"); err != nil {
		return err
	}
	var overlays []string
	for _, e := range p.Entries {
		target := filepath.Join(p.Root, e.Name)
		var err error
		switch {
		case e.Link != "":
			err = os.Symlink(e.Link, target)
		case e.File != "":
			err = copyFile(e.File, target)
		default:
			err = mountOverlay(p, e, target)
			overlays = append(overlays, target)
		}
		if err != nil {
			return fmt.Errorf("root entry /%s: %w", e.Name, err)
		}
	}
	steps := []func(*plan) error{writeHostFiles, setupDev, setupTmpAndProc}
	for _, step := range steps {
		if err := step(p); err != nil {
			return err
		}
	}
	for _, m := range p.Mounts {
		if err := bindInRoot(p.Root, m); err != nil {
			return fmt.Errorf("mount %s: %w", m.Target, err)
		}
	}
	wd, err := ensureInRoot(p.Root, p.WorkingDir, false)
	if err != nil {
		return fmt.Errorf("workingDir %s: %w", p.WorkingDir, err)
	}
	if fi, err := os.Stat(wd); err != nil || !fi.IsDir() {
		return fmt.Errorf("workingDir %s is not a directory", p.WorkingDir)
	}
	if p.ReadOnlyRoot {
		for _, target := range append(overlays, p.Root) {
			if err := remountReadOnly(target); err != nil {
				return fmt.Errorf("readOnlyRootFilesystem: %w", err)
			}
		}
	}
	return nil
}

func writeHostFiles(p *plan) error {
	etc, err := ensureInRoot(p.Root, "/etc", false)
	if err != nil {
		return err
	}
	if err := syscall.Sethostname([]byte(p.Hostname)); err != nil {
		return fmt.Errorf("sethostname: %w", err)
	}
	hosts := fmt.Sprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n", localIP, p.Hostname)
	files := map[string]string{"hostname": p.Hostname + "\n", "hosts": hosts}
	for name, content := range files {
		f := filepath.Join(etc, name)
		os.Remove(f) // a copy-up would keep the host's mode and owner
		if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
			return fmt.Errorf("/etc/%s: %w", name, err)
		}
	}
	return nil
}

func setupTmpAndProc(p *plan) error {
	tmp, err := ensureInRoot(p.Root, "/tmp", false)
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o777|os.ModeSticky); err != nil {
		return err
	}
	proc, err := ensureInRoot(p.Root, "/proc", false)
	if err != nil {
		return err
	}
	if err := syscall.Mount("proc", proc, "proc", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount proc: %w", err)
	}
	return nil
}

func setCredentials(p *plan) error {
	if p.UID == nil && p.GID == nil || p.UserNS {
		return nil
	}
	groups := make([]int, len(p.Groups))
	for i, g := range p.Groups {
		groups[i] = int(g)
	}
	if err := syscall.Setgroups(groups); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if p.GID != nil {
		if err := syscall.Setgid(int(*p.GID)); err != nil {
			return fmt.Errorf("setgid %d: %w", *p.GID, err)
		}
	}
	if p.UID != nil {
		if err := syscall.Setuid(int(*p.UID)); err != nil {
			return fmt.Errorf("setuid %d: %w", *p.UID, err)
		}
	}
	return nil
}

// homeDir is the user's home from the container's /etc/passwd, else "/".
func homeDir(uid *int64) string {
	id := "0"
	if uid != nil {
		id = strconv.FormatInt(*uid, 10)
	}
	f, err := os.Open("/etc/passwd")
	if err != nil {
		return "/"
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Split(s.Text(), ":")
		if len(fields) >= 6 && fields[2] == id && fields[5] != "" {
			return fields[5]
		}
	}
	return "/"
}

// lookPath resolves the command through the container's PATH, inside the
// container's root.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	dirs := defaultPath
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			dirs = v
		}
	}
	for _, dir := range filepath.SplitList(dirs) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("exec: %q: executable file not found in $PATH", name)
}

func hasEnv(env []string, key string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, key+"=") {
			return true
		}
	}
	return false
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
