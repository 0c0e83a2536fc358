package webhook

import (
	"bytes"
	"strings"

	"k8s.io/utils/lru"
)

// Cache keeps the answers of recently admitted pods by their fingerprint:
// the raw JSON of everything injection reads of a pod, framed as a tree that
// no other pod's reading shares (see podReader and the tags). The
// pods an MR3 DAGAppMaster or a Spark driver creates for one job differ in
// their names, arguments and the values of their own env vars, none of which
// injection reads, so all of them but the first are answered from the cache.
//
// A hit gives the answer injection would give: the same fingerprint means the
// same decoded input, and injection is a pure function of it and of the
// Injector's options, which do not change. Only allowed answers are kept;
// denials and errors are computed again, and logged, each time. A nil *Cache
// keeps nothing.
type Cache struct {
	entries *lru.Cache
}

// maxCachedSize is the largest fingerprint plus patch kept, in bytes: a pod
// of hundreds of env vars still fits, and the cache's memory stays bounded
// by entries times this.
const maxCachedSize = 64 << 10

// NewCache returns a cache of at most entries answers; nil if entries is
// not positive.
func NewCache(entries int) *Cache {
	if entries <= 0 {
		return nil
	}
	return &Cache{entries: lru.New(entries)}
}

// get returns the answer cached for a fingerprint.
func (c *Cache) get(key []byte) (answer, bool) {
	if c == nil {
		return answer{}, false
	}
	v, ok := c.entries.Get(string(key))
	if !ok {
		cacheMisses.Inc()
		return answer{}, false
	}
	cacheHits.Inc()
	a, _ := v.(*answer)
	return *a, true
}

// add caches an allowed answer. The answer is shared from then on: nothing
// may change it.
func (c *Cache) add(key []byte, a answer) {
	if c == nil || a.status != nil || len(key)+len(a.patch64) > maxCachedSize {
		return
	}
	entry := a
	// The answer's patch is the request's scratch buffer, reused.
	entry.patch64 = bytes.Clone(a.patch64)
	// A warning may quote the pod, whose strings share one copy of the
	// request's object: a cached copy keeps that copy from being retained.
	entry.warnings = make([]string, len(a.warnings))
	for i, w := range a.warnings {
		entry.warnings[i] = strings.Clone(w)
	}
	c.entries.Add(string(key), &entry)
}
