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
	// enough that writes and hash hand-offs are few, small enough that
	// copyBuffers of them per download stay cheap.
	copyBufferSize = 1 << 20
	// copyBuffers is how many buffers one download cycles through: one
	// being read and written while the others are hashed.
	copyBuffers = 3
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
// Hashing runs on a second goroutine, so that on two or more cores it
// overlaps with reading and writing instead of adding to them (sha256 costs
// about as much CPU as the rest of the copy): each buffer is handed to the
// hasher and written meanwhile, and is reused once both are done with it.
// The hasher has finished when copyBody returns. Every writebackChunk
// bytes, the writeback of what was written is started, so that the disk
// works while the download goes on.
func (f *fetcher) copyBody(part *os.File, digest hash.Hash, body io.Reader, dep *dependency, onData func()) (int64, error) {
	buffers := make([]*[copyBufferSize]byte, copyBuffers)
	free := make(chan []byte, copyBuffers)
	for i := range buffers {
		buffers[i] = copyBufferPool.Get().(*[copyBufferSize]byte)
		free <- buffers[i][:]
	}
	toHash := make(chan []byte, copyBuffers)
	hashed := make(chan struct{})
	go func() {
		defer close(hashed)
		for chunk := range toHash {
			_, _ = digest.Write(chunk)
			free <- chunk[:cap(chunk)]
		}
	}()
	defer func() {
		close(toHash)
		<-hashed
		for _, buffer := range buffers {
			copyBufferPool.Put(buffer)
		}
	}()

	var written, flushed int64 // bytes read; bytes whose writeback started
	for {
		buffer := <-free
		n, readErr := f.read(buffer, body, dep, &written, onData)
		if n > 0 {
			// The hasher reads the buffer while part.Write does: neither
			// modifies it, and it is reused only after this write returned
			// (this goroutine takes the next one from free after it) and
			// the hasher gave it back.
			toHash <- buffer[:n]
			if _, err := part.Write(buffer[:n]); err != nil {
				return written, localIO("write", dep.raw, err)
			}
			if written-flushed >= writebackChunk {
				startWriteback(part, flushed, written-flushed)
				flushed = written
			}
		} else {
			free <- buffer
		}
		if errors.Is(readErr, io.EOF) {
			return written, nil
		}
		if readErr != nil {
			return written, readErr
		}
	}
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
	f.progress.addBytes(int64(n))
	return n, err
}
