package inject

import (
	"path"
	"strings"
)

// Entrypoints maps image references to their entrypoints, for containers
// the agent wraps that have no command of their own. A key is an exact image
// reference or a path.Match pattern such as "apache/spark:*".
type Entrypoints map[string][]string

// Lookup returns the entrypoint of image: an exact key first, then the
// longest matching pattern (the lexically first among equally long ones),
// so that the most specific entry wins. It allocates nothing.
func (m Entrypoints) Lookup(image string) ([]string, bool) {
	if ep, ok := m[image]; ok {
		return ep, true
	}
	best, found := "", false
	for pattern := range m {
		if !strings.ContainsAny(pattern, "*?[") {
			continue
		}
		if ok, _ := path.Match(pattern, image); !ok {
			continue
		}
		if !found || len(pattern) > len(best) || (len(pattern) == len(best) && pattern < best) {
			best, found = pattern, true
		}
	}
	return m[best], found
}
