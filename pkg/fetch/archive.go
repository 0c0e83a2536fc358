package fetch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// archiveStats counts what an archive expanded to.
type archiveStats struct {
	files int
	bytes int64
}

// unpack expands the verified archive at dep.partPath into a temporary
// directory next to dep.target, checks it, fsyncs it and renames it to
// dep.target (replacing an older one).
func (f *fetcher) unpack(ctx context.Context, dep *dependency) (archiveStats, error) {
	parent := filepath.Dir(dep.target)
	tempDir, err := os.MkdirTemp(parent, unpackPrefix+filepath.Base(dep.target)+"-")
	if err != nil {
		return archiveStats{}, localIO("unpack", dep.raw, err)
	}
	placed := false
	defer func() {
		if !placed {
			_ = os.RemoveAll(tempDir)
		}
	}()
	root, err := os.OpenRoot(tempDir)
	if err != nil {
		return archiveStats{}, localIO("unpack", dep.raw, err)
	}
	defer root.Close()

	expander := &expander{
		ctx:      ctx,
		root:     root,
		rawURI:   dep.raw,
		maxBytes: f.job.MaxArchiveExpandedBytes,
		maxFiles: f.job.MaxArchiveFiles,
		dirs:     map[string]bool{".": true},
	}
	if strings.HasSuffix(strings.ToLower(dep.name), ".zip") {
		err = expander.expandZip(dep.partPath)
	} else {
		err = expander.expandTarGz(dep.partPath)
	}
	if err != nil {
		return archiveStats{}, err
	}
	if err := expander.verifySymlinks(tempDir); err != nil {
		return archiveStats{}, err
	}
	if err := expander.syncDirs(); err != nil {
		return archiveStats{}, err
	}
	if err := os.Chmod(tempDir, 0o755); err != nil {
		return archiveStats{}, localIO("unpack", dep.raw, err)
	}
	if err := replacePath(tempDir, dep.target); err != nil {
		return archiveStats{}, localIO("unpack", dep.raw, err)
	}
	placed = true
	return archiveStats{files: expander.files, bytes: expander.bytes}, nil
}

// replacePath renames source to target, first moving any existing target
// aside (rename cannot replace a non-empty directory).
func replacePath(source, target string) error {
	parent := filepath.Dir(target)
	if _, err := os.Lstat(target); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(source, target); err != nil {
			return err
		}
		return syncDir(parent)
	}
	asideDir, err := os.MkdirTemp(parent, replacedPrefix)
	if err != nil {
		return err
	}
	if err := os.Rename(target, filepath.Join(asideDir, "previous")); err != nil {
		return err
	}
	if err := os.Rename(source, target); err != nil {
		return err
	}
	if err := syncDir(parent); err != nil {
		return err
	}
	return os.RemoveAll(asideDir)
}

// expander writes archive entries below root, enforcing the safety rules
// and limits. Its methods return *Error.
type expander struct {
	ctx      context.Context
	root     *os.Root
	rawURI   string
	maxBytes int64
	maxFiles int
	files    int
	bytes    int64
	dirs     map[string]bool // directories to fsync, relative to root
}

func (e *expander) unsafe(format string, args ...any) error {
	return newError(ExitIntegrity, "unpack", e.rawURI, fmt.Errorf("unsafe archive: "+format, args...))
}

func (e *expander) corrupt(err error) error {
	return newError(ExitIntegrity, "unpack", e.rawURI, fmt.Errorf("corrupt archive: %w", err))
}

func (e *expander) limit(format string, args ...any) error {
	return newError(ExitSizeLimit, "unpack", e.rawURI, fmt.Errorf(format, args...))
}

// filesystemError classifies an error of an os.Root operation on a name
// taken from the archive: resource and permission problems are local I/O,
// anything else (escape attempts, ENOTDIR, ELOOP, EEXIST) means the archive
// is malformed or hostile.
func (e *expander) filesystemError(name string, err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.ENOSPC, syscall.EDQUOT, syscall.EACCES, syscall.EPERM, syscall.EROFS, syscall.EIO, syscall.EMFILE, syscall.ENFILE:
			return localIO("unpack", e.rawURI, err)
		}
	}
	return e.unsafe("entry %q: %w", name, err)
}

// entryName validates an archive entry name and returns it cleaned and
// slash-separated; "." means the archive root.
func (e *expander) entryName(name string) (string, error) {
	if name == "" {
		return "", e.unsafe("entry with empty name")
	}
	if strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) || filepath.IsAbs(name) {
		return "", e.unsafe("entry %q has an absolute path", name)
	}
	for _, element := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if element == ".." {
			return "", e.unsafe("entry %q contains ..", name)
		}
	}
	cleaned := path.Clean(name)
	if cleaned != "." && !filepath.IsLocal(cleaned) {
		return "", e.unsafe("entry %q is not a local path", name)
	}
	return cleaned, nil
}

// countEntry enforces the entry-count limit.
func (e *expander) countEntry() error {
	if err := e.ctx.Err(); err != nil {
		return newError(ExitNetwork, "unpack", e.rawURI, context.Cause(e.ctx))
	}
	e.files++
	if e.files > e.maxFiles {
		return e.limit("archive has more than %d entries", e.maxFiles)
	}
	return nil
}

// makeParent creates the parent directories of name.
func (e *expander) makeParent(name string) error {
	parent := path.Dir(name)
	if parent == "." {
		return nil
	}
	if err := e.root.MkdirAll(parent, 0o755); err != nil {
		return e.filesystemError(name, err)
	}
	for dir := parent; dir != "."; dir = path.Dir(dir) {
		e.dirs[dir] = true
	}
	return nil
}

// makeDir creates directory name.
func (e *expander) makeDir(name string) error {
	cleaned, err := e.entryName(name)
	if err != nil || cleaned == "." {
		return err
	}
	if err := e.countEntry(); err != nil {
		return err
	}
	if err := e.makeParent(cleaned); err != nil {
		return err
	}
	if err := e.root.MkdirAll(cleaned, 0o755); err != nil {
		return e.filesystemError(name, err)
	}
	e.dirs[cleaned] = true
	return nil
}
