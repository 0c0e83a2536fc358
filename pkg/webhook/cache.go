package webhook

import (
	"bytes"
	"strings"

	"k8s.io/utils/lru"
)

// Cache keeps the answers of recently admitted pods by their key: the
// canonical JSON of what injection reads of a pod, its inject.Input (see
// key.go). The pods an MR3 DAGAppMaster or a Spark driver creates for one
// job differ in their names, arguments and the values of their own env
// vars, none of which injection reads, so all of them but the first are
// answered from the cache, after their pod is decoded, without injecting or
// encoding a patch.
//
// A hit gives the answer injection would give: equal keys are equal Inputs,
// as far as injection can tell (key.go says why), and injection is a pure
// function of its Input and of the Injector's options, which do not change.
// Only allowed answers are kept; denials and errors are computed again, and
// logged, each time. A nil *Cache keeps nothing.
type Cache struct {
	entries *lru.Cache
}

// maxCachedSize is the largest key plus patch kept, in bytes: a pod
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

// get returns the answer cached for a key; a nil key has none.
func (c *Cache) get(key []byte) (answer, bool) {
	if c == nil || key == nil {
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
	if c == nil || key == nil || a.status != nil || len(key)+len(a.patch64) > maxCachedSize {
		return
	}
	entry := a
	// The answer's patch is the request's scratch buffer, reused.
	entry.patch64 = bytes.Clone(a.patch64)
	// A warning may quote the pod: a cached copy keeps the decoded pod
	// from being retained.
	entry.warnings = make([]string, len(a.warnings))
	for i, w := range a.warnings {
		entry.warnings[i] = strings.Clone(w)
	}
	c.entries.Add(string(key), &entry)
}
