package fetch

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
)

// maxSymlinkTargetBytes bounds a zip symlink's target (stored as content).
const maxSymlinkTargetBytes = 4096

// expandTarGz unpacks a gzip-compressed tar archive.
func (e *expander) expandTarGz(archivePath string) error {
	file, err := os.Open(archivePath)
	if err != nil {
		return localIO("unpack", e.rawURI, err)
	}
	defer file.Close()
	decompressed, err := gzip.NewReader(bufio.NewReader(file))
	if err != nil {
		return e.corrupt(err)
	}
	defer decompressed.Close()
	reader := tar.NewReader(decompressed)
	for {
		header, err := reader.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if errors.Is(err, tar.ErrInsecurePath) && header != nil {
			return e.unsafe("entry %q: %w", header.Name, err)
		}
		if err != nil {
			return e.corrupt(err)
		}
		if err := e.expandTarEntry(header, reader); err != nil {
			return err
		}
	}
}

func (e *expander) expandTarEntry(header *tar.Header, content io.Reader) error {
	switch header.Typeflag {
	case tar.TypeDir:
		return e.makeDir(header.Name)
	case tar.TypeReg:
		return e.writeFile(header.Name, header.FileInfo().Mode(), content, header.Size)
	case tar.TypeSymlink:
		return e.symlink(header.Name, header.Linkname)
	case tar.TypeLink:
		return e.hardlink(header.Name, header.Linkname)
	case tar.TypeXGlobalHeader:
		return nil
	default:
		return e.unsafe("entry %q has unsupported type %q", header.Name, string(header.Typeflag))
	}
}

// expandZip unpacks a zip archive. Symlinks are entries whose mode has
// fs.ModeSymlink and whose content is the target.
func (e *expander) expandZip(archivePath string) error {
	reader, err := zip.OpenReader(archivePath)
	if errors.Is(err, zip.ErrInsecurePath) {
		if reader != nil {
			_ = reader.Close()
		}
		return e.unsafe("%w", err)
	}
	if err != nil {
		return e.corrupt(err)
	}
	defer reader.Close()
	for _, entry := range reader.File {
		if err := e.expandZipEntry(entry); err != nil {
			return err
		}
	}
	return nil
}

func (e *expander) expandZipEntry(entry *zip.File) error {
	mode := entry.Mode()
	switch {
	case mode.IsDir() || strings.HasSuffix(entry.Name, "/"):
		return e.makeDir(entry.Name)
	case mode&fs.ModeSymlink != 0:
		target, err := readZipEntry(entry, maxSymlinkTargetBytes)
		if err != nil {
			return e.corrupt(err)
		}
		return e.symlink(entry.Name, target)
	case mode.IsRegular():
		content, err := entry.Open()
		if err != nil {
			return e.corrupt(err)
		}
		defer content.Close()
		declared := e.maxBytes + 1 // the header may lie; bytes read still count
		if entry.UncompressedSize64 <= uint64(e.maxBytes) {
			declared = int64(entry.UncompressedSize64)
		}
		return e.writeFile(entry.Name, mode, content, declared)
	default:
		return e.unsafe("entry %q has unsupported mode %s", entry.Name, mode)
	}
}

func readZipEntry(entry *zip.File, limit int64) (string, error) {
	content, err := entry.Open()
	if err != nil {
		return "", err
	}
	defer content.Close()
	data, err := io.ReadAll(io.LimitReader(content, limit+1))
	if err != nil {
		return "", err
	}
	if int64(len(data)) > limit {
		return "", errors.New("symlink target too long")
	}
	return string(data), nil
}
