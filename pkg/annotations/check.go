package annotations

import (
	"fmt"
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

// Registry is the registry of keys, indexed by name.
type Registry struct {
	// Keys are the entries, in documentation order.
	Keys   []Key
	byName map[string]*Key
}

// NewRegistry indexes keys.
func NewRegistry(keys []Key) *Registry {
	r := &Registry{Keys: keys, byName: make(map[string]*Key, len(keys))}
	for i := range keys {
		r.byName[keys[i].Name] = &keys[i]
	}
	return r
}

// Lookup returns the entry of a key; nil for an unknown key.
func (r *Registry) Lookup(name string) *Key { return r.byName[name] }

// Check validates each of the stagehand.io/ annotations keys of anns (see
// OurKeys) on its own, against the registry: unknown keys are warnings, or
// errors when strict; every invalid value is an error. Keys marked
// WithOthers are left to the rules that read them with the keys they
// depend on, Written keys are not the user's. Errors come in the order of
// keys.
func Check(anns map[string]string, keys []string, registry *Registry, strict bool, path PathOf) Checked {
	c := Checked{Invalid: map[string]bool{}}
	for _, k := range keys {
		v := anns[k]
		entry := registry.Lookup(k)
		switch {
		case entry == nil && strict:
			c.Errs = append(c.Errs, field.Invalid(path(k), redaction.List(v), UnknownKeyMessage(k, registry.Keys)))
		case entry == nil:
			c.Warnings = append(c.Warnings, path(k).String()+": "+UnknownKeyMessage(k, registry.Keys))
		case entry.Written, entry.WithOthers:
		default:
			if msgs := entry.Validate(v); len(msgs) > 0 {
				c.Invalid[k] = true
				c.Errs = append(c.Errs, InvalidValue(path(k), entry, v, msgs))
			}
		}
	}
	return c
}

// OurKeys are the stagehand.io/ keys of anns, sorted.
func OurKeys(anns map[string]string) []string {
	keys := make([]string, 0, len(anns))
	for k := range anns {
		if strings.HasPrefix(k, Prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// OwnKeys are the stagehand.io/ keys a pod asks with, sorted: all but
// stagehand.io/status, which stagehand writes.
func OwnKeys(anns map[string]string) []string {
	return slices.DeleteFunc(OurKeys(anns), func(k string) bool { return k == Status })
}

// CheckLimits reports annotations too many (more than MaxKeys
// stagehand.io/ keys) or too long (a value over maxValue) to consider, at
// root, the field path of the annotations.
func CheckLimits(anns map[string]string, maxValue int, root *field.Path) field.ErrorList {
	keys := OurKeys(anns)
	if len(keys) > MaxKeys {
		return field.ErrorList{field.TooMany(root, len(keys), MaxKeys).WithOrigin("stagehand.io/ keys")}
	}
	var errs field.ErrorList
	for _, k := range keys {
		if n := len(anns[k]); n > maxValue {
			detail := fmt.Sprintf("%d bytes, may not be more than %d bytes", n, maxValue)
			if maxValue < MaxProfileValueLength {
				detail += fmt.Sprintf("; a longer value, such as a long list of jars, belongs in an InjectionProfile, where a value may have %d bytes (docs/profiles.md)", MaxProfileValueLength)
			}
			errs = append(errs, &field.Error{Type: field.ErrorTypeTooLong, Field: root.Key(k).String(), BadValue: fmt.Sprintf("%d bytes", n), Detail: detail})
		}
	}
	return errs
}

// MaxProfileValueLength bounds an InjectionProfile's annotation value: 64
// KiB, so that a long jar list fits.
const MaxProfileValueLength = 64 << 10

// InvalidValue is the error of a value its key's validator rejected, with
// the value redacted: whatever the key, an invalid value may hold a
// credential, or a list of URIs, written in the wrong place.
func InvalidValue(path *field.Path, entry *Key, v string, msgs []string) *field.Error {
	v = redaction.List(v)
	return field.Invalid(path, v, strings.Join(msgs, "; ")+" (valid: "+entry.Valid+")")
}
