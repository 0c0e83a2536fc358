package loadgen

import (
	"bytes"
	"strconv"
	"sync/atomic"
)

// Template makes request bodies that differ as the requests of a real client
// do: each body carries its own number wherever the template has the marker,
// in a request UID and a pod's name, say. A server cannot then answer from
// the bytes of an earlier request. It is safe for concurrent use.
type Template struct {
	parts [][]byte
	next  atomic.Uint64
}

// NewTemplate splits body at every occurrence of marker.
func NewTemplate(body []byte, marker string) *Template {
	return &Template{parts: bytes.Split(body, []byte(marker))}
}

// Body returns the body of number n.
func (t *Template) Body(n uint64) []byte {
	return t.AppendBody(nil, n)
}

// appendNext appends the next body to dst.
func (t *Template) appendNext(dst []byte) []byte {
	return t.AppendBody(dst, t.next.Add(1))
}

// AppendBody appends the body of number n to dst.
func (t *Template) AppendBody(dst []byte, n uint64) []byte {
	for i, p := range t.parts {
		if i > 0 {
			dst = strconv.AppendUint(dst, n, 10)
		}
		dst = append(dst, p...)
	}
	return dst
}
