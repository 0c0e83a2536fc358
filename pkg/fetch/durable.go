package fetch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

const (
	// partSuffix marks a download that is not yet complete and verified.
	partSuffix = ".part"
	// unpackPrefix names temporary directories archives are unpacked into.
	unpackPrefix = ".stagehand-unpack-"
	// replacedPrefix names a previous unpack directory being replaced.
	replacedPrefix = ".stagehand-replaced-"
)

// syncDir fsyncs a directory so that renames and creations in it are durable.
func syncDir(dir string) error {
	handle, err := os.Open(dir)
	if err != nil {
		return err
	}
	syncErr := handle.Sync()
	closeErr := handle.Close()
	return errors.Join(syncErr, closeErr)
}

// writeFileAtomic writes data to path via a temporary file in the same
// directory: write, fsync, rename, fsync the directory.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	temp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = temp.Close()
			_ = os.Remove(temp.Name())
		}
	}()
	if _, err = temp.Write(data); err != nil {
		return err
	}
	if err = temp.Chmod(perm); err != nil {
		return err
	}
	if err = temp.Sync(); err != nil {
		return err
	}
	if err = temp.Close(); err != nil {
		return err
	}
	if err = os.Rename(temp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// removeStale deletes leftovers of an interrupted run in dir: *.part files
// and temporary unpack directories. A missing dir is not an error.
func removeStale(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, entry := range entries {
		name := entry.Name()
		stale := (strings.HasSuffix(name, partSuffix) && entry.Type().IsRegular()) ||
			(strings.HasPrefix(name, unpackPrefix) || strings.HasPrefix(name, replacedPrefix)) && entry.IsDir()
		if !stale {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("remove stale %s: %w", name, err)
		}
	}
	return syncDir(dir)
}

// removeManifest deletes a manifest left by an earlier run, so that a
// manifest only ever exists after this run succeeded.
func removeManifest(path string) error {
	err := os.Remove(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}
