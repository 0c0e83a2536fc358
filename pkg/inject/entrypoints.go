package inject

import (
	"path"
	"strings"
)

// Entrypoints maps image references to their entrypoints, for containers
// the agent wraps that have no command of their own. A key is an image
// reference or a path.Match pattern such as "apache/spark:*".
//
// Keys and images are compared as references, not as strings: Docker Hub's
// spellings are one ("apache/spark", "docker.io/apache/spark",
// "index.docker.io/apache/spark"; "busybox" and "library/busybox"), a tag
// pattern matches a digest too ("apache/spark:*" matches
// "apache/spark@sha256:..."), and a key without a registry matches the
// repository on any registry, so that a private mirror's
// "mirror.example.com/apache/spark:3.5.3" finds "apache/spark:*". A key
// without a tag or digest means the tag "latest", as a pull does, unless it
// is a pattern: "apache/*" is any image of any tag under apache/.
type Entrypoints map[string][]string

// Lookup returns the entrypoint of image: a key written exactly as the
// image first; then the most specific key that matches it, a key without
// wildcards before any pattern, the longest pattern among patterns (the
// lexically first among equally long ones).
func (m Entrypoints) Lookup(image string) ([]string, bool) {
	if ep, ok := m[image]; ok {
		return ep, true
	}
	ref := splitReference(image)
	best, found := "", false
	for key := range m {
		if !splitReference(key).matches(ref) {
			continue
		}
		if !found || moreSpecific(key, best) {
			best, found = key, true
		}
	}
	return m[best], found
}

// moreSpecific orders two matching keys: literal before pattern, then
// longer, then lexically first.
func moreSpecific(a, b string) bool {
	if la, lb := !isPattern(a), !isPattern(b); la != lb {
		return la
	}
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a < b
}

func isPattern(s string) bool { return strings.ContainsAny(s, "*?[") }

// reference is an image reference, or a pattern of one, in parts. registry
// is "" when the reference names none; id is the tag or the digest
// ("sha256:..."), "" when it names neither.
type reference struct {
	registry, repository, id string
	// pattern says the reference has a wildcard.
	pattern bool
}

// dockerHub is how every spelling of Docker Hub's registry compares.
const dockerHub = "docker.io"

// splitReference splits s as the container runtime reads a reference: a
// first component with a dot or a port, or "localhost", is a registry; a
// digest follows "@", a tag the last ":" after the last "/". It validates
// nothing: an invalid image only matches nothing it should not.
func splitReference(s string) reference {
	r := reference{pattern: isPattern(s)}
	if at := strings.IndexByte(s, '@'); at >= 0 {
		s, r.id = s[:at], s[at+1:]
	}
	if colon := strings.LastIndexByte(s, ':'); colon > strings.LastIndexByte(s, '/') {
		// With a digest, the tag is only a label: the digest is the image.
		if r.id == "" {
			r.id = s[colon+1:]
		}
		s = s[:colon]
	}
	if slash := strings.IndexByte(s, '/'); slash > 0 {
		if first := s[:slash]; strings.ContainsAny(first, ".:") || first == "localhost" {
			r.registry, s = first, s[slash+1:]
		}
	}
	switch r.registry {
	case "index.docker.io", "registry-1.docker.io":
		r.registry = dockerHub
	}
	if (r.registry == "" || r.registry == dockerHub) && !strings.Contains(s, "/") {
		s = "library/" + s
	}
	r.repository = s
	return r
}

// matches reports whether image matches the key or pattern k. A k without
// a registry matches any registry.
func (k reference) matches(image reference) bool {
	if k.registry != "" {
		registry := image.registry
		if registry == "" {
			registry = dockerHub
		}
		if ok, _ := path.Match(k.registry, registry); !ok {
			return false
		}
	}
	if ok, _ := path.Match(k.repository, image.repository); !ok {
		return false
	}
	if k.id == "" {
		// "apache/*" is any image under apache/; "busybox" is busybox:latest.
		return k.pattern || image.id == "" || image.id == "latest"
	}
	id := image.id
	if id == "" {
		id = "latest"
	}
	ok, _ := path.Match(k.id, id)
	return ok
}
