package fetch

import (
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"
)

const (
	// copyBufferSize is the size of the buffers a body is read into: large
	// enough that reads, writes and hand-offs between goroutines are few,
	// small enough that copyBuffers of them per download stay cheap at the
	// highest parallelism (2 MiB per download; 1 MiB buffers measured
	// only marginally faster).
	copyBufferSize = 512 << 10
	// copyBuffers is how many buffers one download cycles through: about
	// one being read, one hashed and one written, plus one spare.
	copyBuffers = 4
	// writebackChunk is how many written bytes copyBody lets accumulate
	// before it starts their writeback (see startWriteback).
	writebackChunk = 4 << 20
)

// copyBufferPool holds the copy buffers of finished downloads for the next
// ones.
var copyBufferPool = sync.Pool{New: func() any { return new([copyBufferSize]byte) }}

// copyBody streams body into part and digest, enforcing the per-file and total
// limits and calling onData after every read. Errors from writing part are
// *Error (local I/O or size limit); read errors are returned unwrapped.
//
// The copy is a pipeline of three goroutines, so that on two or more cores
// reading, hashing and writing overlap instead of adding up (sha256 costs
// about as much CPU as the rest of the copy, and a single large download
// is often the last one running): this one reads each buffer and hands it
// to a hasher, which hands it to a writer, which gives it back. Both have
// finished when copyBody returns. Every writebackChunk bytes, the writer
// starts the writeback of what it wrote, so that the disk works while the
// download goes on. After a write error, the rest is neither written nor
// read.
func (f *fetcher) copyBody(part *os.File, digest hash.Hash, body io.Reader, dep *dependency, onData func()) (int64, error) {
	buffers := make([]*[copyBufferSize]byte, copyBuffers)
	free := make(chan []byte, copyBuffers)
	for i := range buffers {
		buffers[i] = copyBufferPool.Get().(*[copyBufferSize]byte)
		free <- buffers[i][:]
	}
	toHash := make(chan []byte, copyBuffers)
	toWrite := make(chan []byte, copyBuffers)
	go func() {
		defer close(toWrite)
		for chunk := range toHash {
			_, _ = digest.Write(chunk)
			toWrite <- chunk
		}
	}()
	w := &partWriter{part: part, dep: dep}
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		for chunk := range toWrite {
			w.write(chunk)
			free <- chunk[:cap(chunk)]
		}
	}()
	// finish waits for the hasher and the writer and returns the write
	// error, if any.
	finish := func() error {
		close(toHash)
		<-wrote
		for _, buffer := range buffers {
			copyBufferPool.Put(buffer)
		}
		return w.err()
	}

	var written int64 // bytes read
	for {
		buffer := <-free
		if w.failed() {
			return written, finish()
		}
		n, readErr := f.read(buffer, body, dep, &written, onData)
		if n > 0 {
			toHash <- buffer[:n]
		} else {
			free <- buffer
		}
		if errors.Is(readErr, io.EOF) {
			return written, finish()
		}
		if readErr != nil {
			if err := finish(); err != nil {
				return written, err
			}
			return written, readErr
		}
	}
}

// partWriter is the writing end of copyBody: it writes chunks to part in
// order, starts their writeback every writebackChunk bytes and, after an
// error, drops the rest.
type partWriter struct {
	part             *os.File
	dep              *dependency
	written, flushed int64 // bytes written; bytes whose writeback started

	mu       sync.Mutex
	writeErr error
}

// write writes chunk, unless an earlier write failed.
func (w *partWriter) write(chunk []byte) {
	if w.failed() {
		return
	}
	if _, err := w.part.Write(chunk); err != nil {
		w.mu.Lock()
		w.writeErr = localIO("write", w.dep.raw, err)
		w.mu.Unlock()
		return
	}
	w.written += int64(len(chunk))
	if w.written-w.flushed >= writebackChunk {
		startWriteback(w.part, w.flushed, w.written-w.flushed)
		w.flushed = w.written
	}
}

// failed reports whether a write failed.
func (w *partWriter) failed() bool { return w.err() != nil }

// err is the error of the write that failed, or nil.
func (w *partWriter) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writeErr
}

// read reads once from body into buffer, counting the bytes into written
// and the total, against the limits. A limit error is an *Error; the bytes
// of that read are not returned. Data is written as it arrives, as small
// as it comes, so that a slow download still shows on disk.
func (f *fetcher) read(buffer []byte, body io.Reader, dep *dependency, written *int64, onData func()) (int, error) {
	n, err := body.Read(buffer)
	if n <= 0 {
		return 0, err
	}
	onData()
	*written += int64(n)
	if *written > f.job.MaxFileBytes {
		f.totalBytes.Add(int64(n))
		return 0, newError(ExitSizeLimit, "download", dep.raw,
			fmt.Errorf("file exceeds the %d byte per-file limit", f.job.MaxFileBytes))
	}
	if total := f.totalBytes.Add(int64(n)); total > f.job.MaxTotalBytes {
		return 0, newError(ExitSizeLimit, "download", dep.raw,
			fmt.Errorf("downloads exceed the %d byte total limit", f.job.MaxTotalBytes))
	}
	f.progress.addBytes(dep, int64(n))
	return n, err
}
