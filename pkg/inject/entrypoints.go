package inject

import (
	"path"
	"slices"
	"strings"
)

// Entrypoints maps image references to their entrypoints, for containers
// the agent wraps that have no command of their own. A key is an exact image
// reference or a path.Match pattern such as "apache/spark:*".
type Entrypoints map[string][]string

// Lookup returns the entrypoint of image: an exact key first, then the
// longest matching pattern, so that the most specific entry wins.
func (m Entrypoints) Lookup(image string) ([]string, bool) {
	if ep, ok := m[image]; ok {
		return ep, true
	}
	var best string
	found := false
	for _, pattern := range m.patterns() {
		if ok, _ := path.Match(pattern, image); ok && (!found || len(pattern) > len(best)) {
			best, found = pattern, true
		}
	}
	return m[best], found
}

func (m Entrypoints) patterns() []string {
	var out []string
	for k := range m {
		if strings.ContainsAny(k, "*?[") {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
