package annotations

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/stagehand-k8s/stagehand/pkg/redaction"
)

// Limits that keep hostile input cheap to reject.
const (
	// MaxKeys is the most stagehand.io/ annotations a pod may carry.
	MaxKeys = 64
	// MaxValueLength is the longest accepted value of one annotation.
	MaxValueLength = 4096
	// MaxTargetContainers is the most containers of one pod that stagehand
	// injects into: it bounds the size of an admission's answer.
	MaxTargetContainers = 64
)

// PodAnnotations is the field path of a pod's annotations.
var PodAnnotations = field.NewPath("metadata", "annotations")

// KeyPath is the field path of a pod's annotation key, for error messages.
func KeyPath(key string) *field.Path { return PodAnnotations.Key(key) }

// PathOf gives the field path of an annotation key where it was written: a
// pod's annotation (KeyPath), or a key of an InjectionProfile.
type PathOf func(key string) *field.Path

// Checked is what Check found of a pod's stagehand.io/ annotations.
type Checked struct {
	// Invalid are the keys whose values their validator rejected: rules
	// across keys skip them, so that one denial lists every problem once.
	Invalid  map[string]bool
	Warnings []string
	Errs     field.ErrorList
}

// Check validates each of a pod's stagehand.io/ annotations, keys (see
// Keys), on its own, against the registry: unknown keys are warnings, or
// errors when strict; every invalid value is an error. Keys marked
// WithOthers are left to the rules that read them with the keys they
// depend on, Written keys are not the user's. Errors come in the order of
// the keys.
func Check(anns map[string]string, keys []string, registry []Key, strict bool, path PathOf) Checked {
	c := Checked{Invalid: map[string]bool{}}
	for _, k := range keys {
		v := anns[k]
		i := slices.IndexFunc(registry, func(e Key) bool { return e.Name == k })
		switch {
		case i < 0 && strict:
			c.Errs = append(c.Errs, field.Invalid(path(k), redaction.List(v), UnknownKeyMessage(k, registry)))
		case i < 0:
			c.Warnings = append(c.Warnings, path(k).String()+": "+UnknownKeyMessage(k, registry))
		case registry[i].Written, registry[i].WithOthers:
		default:
			if msgs := registry[i].Validate(v); len(msgs) > 0 {
				c.Invalid[k] = true
				c.Errs = append(c.Errs, InvalidValue(path(k), &registry[i], v, msgs))
			}
		}
	}
	return c
}

// Keys returns the stagehand.io/ keys in sorted order, or errors when the
// annotations are too many or longer than maxValue to consider.
func Keys(anns map[string]string, maxValue int, root *field.Path) ([]string, field.ErrorList) {
	keys := make([]string, 0, len(anns))
	var errs field.ErrorList
	for k, v := range anns {
		if !strings.HasPrefix(k, Prefix) {
			continue
		}
		if len(v) > maxValue {
			errs = append(errs, field.TooLong(root.Key(k), "", maxValue))
		}
		keys = append(keys, k)
	}
	if len(keys) > MaxKeys {
		return nil, field.ErrorList{field.TooMany(root, len(keys), MaxKeys).WithOrigin("stagehand.io/ keys")}
	}
	slices.Sort(keys)
	slices.SortFunc(errs, func(a, b *field.Error) int { return strings.Compare(a.Field, b.Field) })
	return keys, errs
}

// InvalidValue is the error of a value its key's validator rejected, with
// the value redacted: whatever the key, an invalid value may hold a
// credential, or a list of URIs, written in the wrong place.
func InvalidValue(path *field.Path, entry *Key, v string, msgs []string) *field.Error {
	v = redaction.List(v)
	return field.Invalid(path, v, strings.Join(msgs, "; ")+" (valid: "+entry.Valid+")")
}
