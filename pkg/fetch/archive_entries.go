package fetch

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// writeFile creates regular file name with the bytes of content. declared is
// the size the archive claims (-1 if unknown); the bytes actually read are
// what counts against the limit.
func (e *expander) writeFile(name string, mode fs.FileMode, content io.Reader, declared int64) error {
	cleaned, err := e.entryName(name)
	if err != nil {
		return err
	}
	if cleaned == "." {
		return e.unsafe("file entry %q names the archive root", name)
	}
	if declared > e.maxBytes-e.bytes {
		return e.limit("archive expands to more than %d bytes", e.maxBytes)
	}
	if err := e.claim(cleaned); err != nil {
		return err
	}
	perm := mode.Perm()&0o755 | 0o400
	file, err := e.root.OpenFile(cleaned, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return e.filesystemError(name, err)
	}
	copyErr := e.copyLimited(file, content)
	if copyErr == nil {
		copyErr = e.finishFile(file, perm)
	}
	if closeErr := file.Close(); closeErr != nil && copyErr == nil {
		copyErr = localIO("unpack", e.rawURI, closeErr)
	}
	return copyErr
}

// copyLimited copies content to file, counting against maxBytes.
func (e *expander) copyLimited(file *os.File, content io.Reader) error {
	buffer := make([]byte, 64<<10)
	for {
		n, readErr := content.Read(buffer)
		if n > 0 {
			e.bytes += int64(n)
			if e.bytes > e.maxBytes {
				return e.limit("archive expands to more than %d bytes", e.maxBytes)
			}
			if _, err := file.Write(buffer[:n]); err != nil {
				return localIO("unpack", e.rawURI, err)
			}
		}
		if errors.Is(readErr, io.EOF) {
			return nil
		}
		if readErr != nil {
			return e.corrupt(readErr)
		}
	}
}

func (e *expander) finishFile(file *os.File, perm fs.FileMode) error {
	if err := file.Chmod(perm); err != nil { // not subject to umask
		return localIO("unpack", e.rawURI, err)
	}
	if err := file.Sync(); err != nil {
		return localIO("unpack", e.rawURI, err)
	}
	return nil
}

// removeExisting deletes an earlier entry of the same name (archives may
// repeat names), so a later entry never writes through a link.
func (e *expander) removeExisting(cleaned string) error {
	info, err := e.root.Lstat(cleaned)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return e.filesystemError(cleaned, err)
	}
	if info.IsDir() {
		return e.unsafe("entry %q replaces a directory", cleaned)
	}
	if err := e.root.Remove(cleaned); err != nil {
		return e.filesystemError(cleaned, err)
	}
	return nil
}

// claim counts a new entry against the file limit and makes room for it at
// cleaned: its parent directories exist, and nothing is there yet.
func (e *expander) claim(cleaned string) error {
	if err := e.countEntry(); err != nil {
		return err
	}
	if err := e.makeParent(cleaned); err != nil {
		return err
	}
	return e.removeExisting(cleaned)
}

// symlink creates name pointing to target. The target must be relative and
// stay inside the archive root lexically; verifySymlinks re-checks the
// resolved result once everything is unpacked.
func (e *expander) symlink(name, target string) error {
	cleaned, err := e.entryName(name)
	if err != nil {
		return err
	}
	if target == "" || path.IsAbs(target) || filepath.IsAbs(target) {
		return e.unsafe("symlink %q points to absolute or empty target %q", name, target)
	}
	resolved := path.Join(path.Dir(cleaned), target)
	if cleaned == "." || !filepath.IsLocal(resolved) {
		return e.unsafe("symlink %q -> %q points outside the archive", name, target)
	}
	if err := e.claim(cleaned); err != nil {
		return err
	}
	if err := e.root.Symlink(target, cleaned); err != nil {
		return e.filesystemError(name, err)
	}
	return nil
}

// hardlink creates name as a hard link to the earlier entry target.
func (e *expander) hardlink(name, target string) error {
	cleaned, err := e.entryName(name)
	if err != nil {
		return err
	}
	cleanedTarget, err := e.entryName(target)
	if err != nil {
		return e.unsafe("hard link %q -> %q points outside the archive", name, target)
	}
	if cleaned == "." || cleanedTarget == "." {
		return e.unsafe("hard link %q -> %q involves the archive root", name, target)
	}
	if err := e.claim(cleaned); err != nil {
		return err
	}
	if err := e.root.Link(cleanedTarget, cleaned); err != nil {
		return e.filesystemError(name, err)
	}
	return nil
}

// verifySymlinks resolves every symlink under dir on the real file system
// and rejects any that is dangling, loops, or ends up outside dir: lexical
// checks alone can be fooled by chains of links.
func (e *expander) verifySymlinks(dir string) error {
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return localIO("unpack", e.rawURI, err)
	}
	return filepath.WalkDir(dir, func(walked string, entry fs.DirEntry, walkErr error) error {
		if walkErr != nil {
			return localIO("unpack", e.rawURI, walkErr)
		}
		if entry.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		relative, _ := filepath.Rel(dir, walked)
		resolved, err := filepath.EvalSymlinks(walked)
		if err != nil {
			return e.unsafe("symlink %q is dangling or loops", filepath.ToSlash(relative))
		}
		inside, err := filepath.Rel(realDir, resolved)
		if err != nil || (inside != "." && !filepath.IsLocal(inside)) {
			return e.unsafe("symlink %q resolves outside the archive", filepath.ToSlash(relative))
		}
		return nil
	})
}

// syncDirs fsyncs every directory created, so the tree is durable before
// it is renamed into place.
func (e *expander) syncDirs() error {
	for dir := range e.dirs {
		handle, err := e.root.Open(dir)
		if err != nil {
			return localIO("unpack", e.rawURI, fmt.Errorf("open %s: %w", dir, err))
		}
		syncErr := handle.Sync()
		closeErr := handle.Close()
		if err := errors.Join(syncErr, closeErr); err != nil {
			return localIO("unpack", e.rawURI, err)
		}
	}
	return nil
}
