package overlay

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// CopyTree copies the files of src into dst, for building an overlay in a
// temporary copy of manifests/ (the self-signed overlay with certificates
// made for the occasion). Directories named certs are skipped: `make certs`
// wrote there before certs/ existed, and keys must not be copied. With
// only, just the files of src's top level of those names are copied.
func CopyTree(src, dst string, only ...string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir() && rel == ".":
			return os.MkdirAll(target, 0o755)
		case d.IsDir() && (d.Name() == "certs" || only != nil):
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case only != nil && !slices.Contains(only, rel):
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}
