package annotations

import (
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// ValidURIs says which dependency URI lists URIListValidator accepts.
const ValidURIs = "a list of https://, http:// or local:// URIs separated by commas or newlines, each optionally ending in #sha256=<64 hex digits>"

// URIListValidator accepts a list of dependency URIs of one kind.
func URIListValidator(kind string) func(string) []string {
	return func(v string) []string {
		_, _, msgs := ParseURIs(kind, "/", v)
		return msgs
	}
}

// ParseURIs parses a list of dependency URIs, separated by commas or
// newlines (a YAML block scalar in a profile), to be placed
// in dir, with the fetcher's own rules. It returns the URIs as written and
// parsed, or the problems.
func ParseURIs(kind, dir, v string) ([]string, []agentapi.Dependency, []string) {
	raws := splitList(v)
	if len(raws) == 0 {
		return nil, nil, []string{"empty list"}
	}
	deps := make([]agentapi.Dependency, 0, len(raws))
	var msgs []string
	for _, raw := range raws {
		dep, err := agentapi.ParseDependency(kind, raw, dir)
		if err != nil {
			msgs = append(msgs, err.Error())
			continue
		}
		deps = append(deps, dep)
	}
	return raws, deps, msgs
}

// splitList splits a value at commas and line breaks, dropping blanks
// around items and empty items.
func splitList(v string) []string {
	var items []string
	for _, item := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// ValidateQuantity accepts positive Kubernetes quantities.
func ValidateQuantity(v string) []string {
	q, err := resource.ParseQuantity(v)
	switch {
	case err != nil:
		return []string{"not a quantity"}
	case q.Sign() <= 0:
		return []string{"not positive"}
	}
	return nil
}

// DurationValidator accepts Go durations in [lo, hi]; hi 0 means no bound.
func DurationValidator(lo, hi time.Duration) func(string) []string {
	return func(v string) []string {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			return []string{"not a Go duration"}
		case d < lo || (hi > 0 && d > hi):
			return []string{"out of range"}
		}
		return nil
	}
}
