package webhook

import (
	"bytes"
	"sync"
)

// scratch holds the buffers of one request: its body, the cache key of its
// pod, its patch (JSON in base64) and the rest of its response, and the
// decoder of its pod and encoder of its patch. They are reused across
// requests.
type scratch struct {
	body     bytes.Buffer
	key      []byte
	patch    []byte
	out      []byte
	decoding *decoding
	patcher  *patchEncoder
}

// maxPooledBuffer is the largest buffer kept for reuse; those of rare, large
// requests are left to the collector. A pooled body holds no more than the
// bytes a body may hold without a reservation (freeRequestBytes).
const maxPooledBuffer = freeRequestBytes

var scratches = sync.Pool{New: func() any { return &scratch{decoding: newDecoding(), patcher: newPatchEncoder()} }}

func getScratch() *scratch {
	s, _ := scratches.Get().(*scratch)
	return s
}

// release returns s to the pool; nothing of it may be used afterwards.
func (s *scratch) release() {
	if s.body.Cap() > maxPooledBuffer || cap(s.key) > maxPooledBuffer || cap(s.patch) > maxPooledBuffer || cap(s.out) > maxPooledBuffer ||
		s.patcher.one.Cap() > maxPooledBuffer {
		return
	}
	s.body.Reset()
	scratches.Put(s)
}
