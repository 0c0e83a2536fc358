package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// blockSize is the size of the random block every served file is made of.
const blockSize = 4 << 20

// servedFile is one file of the fetch benchmark.
type servedFile struct {
	name   string
	size   int64
	sha256 string
	jar    bool // jars go to the jars directory, the rest to the files one
}

// fileSet is the files served over loopback, kept on tmpfs when there is
// one so that the server sends them from memory with sendfile.
type fileSet struct {
	dir   string
	files []servedFile
	url   string
	srv   *http.Server
}

// newFileSet writes n jars of size bytes and one file of big bytes and
// serves them on 127.0.0.1. Every file is the same random block with its
// own (file, block) numbers in each block's first 16 bytes, so that every
// file has its own checksum.
func newFileSet(n int, size, big int64) (*fileSet, error) {
	parent := os.TempDir()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		parent = "/dev/shm"
	}
	dir, err := os.MkdirTemp(parent, "stagehand-bench-files-")
	if err != nil {
		return nil, fmt.Errorf("creating the served directory: %w", err)
	}
	fs := &fileSet{dir: dir}
	block := make([]byte, min(blockSize, max(size, big)))
	rng := rand.NewChaCha8([32]byte{'s', 't', 'a', 'g', 'e'})
	_, _ = rng.Read(block)
	for i := range n + 1 {
		f := servedFile{name: fmt.Sprintf("dep-%02d.jar", i), size: size, jar: true}
		if i == n {
			f = servedFile{name: "big.bin", size: big}
		}
		if f.sha256, err = writePattern(filepath.Join(dir, f.name), block, i, f.size); err != nil {
			fs.close()
			return nil, err
		}
		fs.files = append(fs.files, f)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fs.close()
		return nil, fmt.Errorf("listening for the file server: %w", err)
	}
	fs.url = "http://" + l.Addr().String()
	fs.srv = &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = fs.srv.Serve(l) }()
	return fs, nil
}

// writePattern writes size bytes of block, numbered, and returns their
// sha256.
func writePattern(path string, block []byte, file int, size int64) (string, error) {
	out, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("creating a served file: %w", err)
	}
	h := sha256.New()
	w := io.MultiWriter(out, h)
	buf := make([]byte, len(block))
	for k, left := 0, size; left > 0; k++ {
		copy(buf, block)
		binary.LittleEndian.PutUint64(buf[0:], uint64(file))
		binary.LittleEndian.PutUint64(buf[8:], uint64(k))
		chunk := buf[:min(int64(len(buf)), left)]
		if _, err := w.Write(chunk); err != nil {
			_ = out.Close()
			return "", fmt.Errorf("writing a served file: %w", err)
		}
		left -= int64(len(chunk))
	}
	if err := out.Close(); err != nil {
		return "", fmt.Errorf("writing a served file: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// total is the bytes of every file.
func (fs *fileSet) total() int64 {
	var n int64
	for _, f := range fs.files {
		n += f.size
	}
	return n
}

// check verifies that dest holds every file with its size.
func (fs *fileSet) check(dest string) error {
	var errs []error
	for _, f := range fs.files {
		st, err := os.Stat(fs.destPath(dest, f))
		switch {
		case err != nil:
			errs = append(errs, err)
		case st.Size() != f.size:
			errs = append(errs, fmt.Errorf("%s: %d bytes, want %d", f.name, st.Size(), f.size))
		}
	}
	return errors.Join(errs...)
}

// destPath is where a file goes under dest.
func (fs *fileSet) destPath(dest string, f servedFile) string {
	if f.jar {
		return filepath.Join(dest, "jars", f.name)
	}
	return filepath.Join(dest, "files", f.name)
}

func (fs *fileSet) close() {
	if fs.srv != nil {
		_ = fs.srv.Close()
	}
	_ = os.RemoveAll(fs.dir)
}
