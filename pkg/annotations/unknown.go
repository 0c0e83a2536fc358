package annotations

import "strings"

// UnknownKeyMessage explains an unknown key and suggests the closest key of
// the registry, since most unknown keys are typos.
func UnknownKeyMessage(key string, registry []Key) string {
	msg := "unknown stagehand.io/ annotation"
	if best := closestKey(key, registry); best != "" {
		msg += "; did you mean " + best + "?"
	}
	return msg + " (known keys are listed in docs/annotations.md)"
}

// closestKey returns the registered key nearest to key by edit distance, or
// "" when none is close enough to be a plausible typo.
func closestKey(key string, registry []Key) string {
	name := strings.TrimPrefix(key, Prefix)
	best, bestDist := "", len(name)/3+1
	for _, k := range registry {
		if k.Written {
			continue
		}
		if d := editDistance(name, strings.TrimPrefix(k.Name, Prefix)); d < bestDist {
			best, bestDist = k.Name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b. Keys are short
// and bounded by MaxValueLength elsewhere, so the quadratic cost is small;
// very long names are not compared at all.
func editDistance(a, b string) int {
	const limit = 64
	if len(a) > limit || len(b) > limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
