package podrunner

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// maxSymlinks bounds symlink resolution, like the kernel's ELOOP limit.
const maxSymlinks = 40

// ensureInRoot resolves p (absolute or relative, interpreted inside root)
// following symlinks without ever leaving root, creates what is missing
// (directories, and the last component as an empty file when file is set)
// and returns the host path. It never creates anything outside root.
func ensureInRoot(root, p string, file bool) (string, error) {
	parts := splitPath(p)
	cur := "/"
	links := 0
	for len(parts) > 0 {
		name := parts[0]
		parts = parts[1:]
		if name == ".." {
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, name)
		host := filepath.Join(root, next)
		fi, err := os.Lstat(host)
		switch {
		case err == nil && fi.Mode()&fs.ModeSymlink != 0:
			if links++; links > maxSymlinks {
				return "", fmt.Errorf("%s: too many symlinks", p)
			}
			target, err := os.Readlink(host)
			if err != nil {
				return "", err
			}
			if path.IsAbs(target) {
				cur = "/"
			}
			parts = append(splitPath(target), parts...)
			continue
		case err == nil:
			if len(parts) > 0 && !fi.IsDir() {
				return "", fmt.Errorf("%s: %s is not a directory", p, next)
			}
		case errors.Is(err, fs.ErrNotExist):
			if len(parts) == 0 && file {
				f, err := os.OpenFile(host, os.O_CREATE|os.O_WRONLY, 0o644)
				if err != nil {
					return "", err
				}
				f.Close()
			} else if err := os.Mkdir(host, 0o755); err != nil {
				return "", err
			}
		default:
			return "", err
		}
		cur = next
	}
	return filepath.Join(root, cur), nil
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" && s != "." {
			out = append(out, s)
		}
	}
	return out
}

// checkRelative validates a path that must stay below a directory (volume
// item paths, subPath): relative, without "..".
func checkRelative(p string) error {
	if p == "" || path.IsAbs(p) {
		return fmt.Errorf("path %q must be relative and non-empty", p)
	}
	for _, s := range strings.Split(p, "/") {
		if s == ".." {
			return fmt.Errorf("path %q must not contain '..'", p)
		}
	}
	return nil
}
