package image

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"strings"
	"time"
)

// TmpMode is the mode of /tmp in the layer: world-writable and sticky, so
// os.TempDir works for the non-root user.
const TmpMode = 0o1777

// layerTar returns an uncompressed tar stream holding /tmp, the directories
// above entrypoint (root-owned, 0755) and bin at entrypoint. Every entry is
// stamped with mtime, so equal inputs give identical bytes.
func layerTar(bin []byte, entrypoint string, mtime time.Time) ([]byte, error) {
	rel := strings.TrimPrefix(entrypoint, "/")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dir := func(name string, mode int64) error {
		return tw.WriteHeader(&tar.Header{
			Typeflag: tar.TypeDir,
			Name:     name + "/",
			Mode:     mode,
			ModTime:  mtime,
			Format:   tar.FormatPAX,
		})
	}
	// Directories above the binary, outermost first ("usr", "usr/local", ...).
	parts := strings.Split(rel, "/")
	for i := 1; i < len(parts); i++ {
		d := strings.Join(parts[:i], "/")
		if d == "tmp" {
			continue
		}
		if err := dir(d, 0o755); err != nil {
			return nil, fmt.Errorf("directory /%s: %w", d, err)
		}
	}
	if rel != "tmp" && !strings.HasPrefix(rel, "tmp/") {
		if err := dir("tmp", TmpMode); err != nil {
			return nil, fmt.Errorf("directory /tmp: %w", err)
		}
	}
	err := tw.WriteHeader(&tar.Header{
		Typeflag: tar.TypeReg,
		Name:     rel,
		Mode:     BinaryMode,
		Uid:      UID,
		Gid:      GID,
		Size:     int64(len(bin)),
		ModTime:  mtime,
		Format:   tar.FormatPAX,
	})
	if err != nil {
		return nil, fmt.Errorf("file %s: %w", entrypoint, err)
	}
	if _, err := tw.Write(bin); err != nil {
		return nil, fmt.Errorf("file %s: %w", entrypoint, err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("close tar: %w", err)
	}
	return buf.Bytes(), nil
}

// goarchByMachine maps ELF machines to GOARCH values (ppc64 is resolved by
// byte order below).
var goarchByMachine = map[elf.Machine]string{
	elf.EM_X86_64:    "amd64",
	elf.EM_386:       "386",
	elf.EM_AARCH64:   "arm64",
	elf.EM_ARM:       "arm",
	elf.EM_S390:      "s390x",
	elf.EM_RISCV:     "riscv64",
	elf.EM_LOONGARCH: "loong64",
	elf.EM_PPC64:     "ppc64",
}

// ErrNotStatic reports a dynamically linked binary, which cannot run on an
// empty base image (it has no dynamic loader or libc).
var ErrNotStatic = errors.New("binary is dynamically linked (it has an ELF interpreter); build it with CGO_ENABLED=0")

// checkBinary verifies that bin is a statically linked ELF executable for
// goarch.
func checkBinary(bin []byte, goarch string) error {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return fmt.Errorf("not an ELF executable: %w", err)
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("ELF type %v is not an executable", f.Type)
	}
	arch := goarchByMachine[f.Machine]
	if arch == "ppc64" && f.ByteOrder.String() == "LittleEndian" {
		arch = "ppc64le"
	}
	if arch != goarch {
		return fmt.Errorf("binary is for ELF machine %v, image architecture is %s", f.Machine, goarch)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return ErrNotStatic
		}
	}
	return nil
}
