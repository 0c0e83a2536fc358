package podrunner

import (
	"bytes"
	"io"
	"sync"
)

// maxLine bounds a line kept while waiting for its newline; longer output
// is written out as a line of its own.
const maxLine = 64 << 10

// defaultOutputLimit is how much of a container's output Result keeps.
const defaultOutputLimit = 64 << 10

// lineWriter prefixes every line with "[<container>] " and writes whole
// lines to dst under mu, so concurrent containers never interleave within a
// line.
type lineWriter struct {
	mu     *sync.Mutex
	dst    io.Writer
	prefix []byte
	buf    []byte
}

func newLineWriter(mu *sync.Mutex, dst io.Writer, name string) *lineWriter {
	return &lineWriter{mu: mu, dst: dst, prefix: []byte("[" + name + "] ")}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 && len(w.buf) < maxLine {
			break
		}
		if i < 0 {
			i = len(w.buf) - 1
		}
		w.emit(w.buf[:i+1])
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) == 0 {
		w.buf = nil
	}
	return len(p), nil
}

// Flush writes a last line that had no newline.
func (w *lineWriter) Flush() {
	if len(w.buf) > 0 {
		w.emit(append(w.buf, '\n'))
		w.buf = nil
	}
}

func (w *lineWriter) emit(line []byte) {
	out := make([]byte, 0, len(w.prefix)+len(line)+1)
	out = append(append(out, w.prefix...), line...)
	if out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dst.Write(out) // a failing sink must not stop the container
}

// tailBuffer keeps the last limit bytes written to it; safe for concurrent
// use.
type tailBuffer struct {
	mu    sync.Mutex
	limit int
	buf   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.limit {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.limit:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) > t.limit {
		b = b[len(b)-t.limit:]
	}
	return string(b)
}

// lastLines returns at most n lines and max bytes from the end of s, like
// the kubelet's FallbackToLogsOnError message.
func lastLines(s string, n, max int) string {
	s = string(bytes.TrimRight([]byte(s), "\n"))
	for i, count := len(s)-1, 0; i >= 0; i-- {
		if s[i] == '\n' {
			if count++; count == n {
				s = s[i+1:]
				break
			}
		}
	}
	if len(s) > max {
		s = s[len(s)-max:]
	}
	return s
}
