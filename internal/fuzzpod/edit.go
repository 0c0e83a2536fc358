package fuzzpod

import (
	"maps"
	"reflect"
	"slices"
)

// maxEdits bounds the edits Edit applies.
const maxEdits = 8

// Edit returns a copy of v, a value as encoding/json decodes JSON into any,
// changed by the edits that edits encodes, three bytes each (at most
// maxEdits): a kind and two indexes into the members of the value's objects,
// taken in preorder, names sorted. An edit deletes a member, moves a member
// into another object, or copies a member's value over another's. It is how
// a fuzz target makes the next pod of a job: one that differs a little from
// the last, perhaps only in where a value is.
func Edit(v any, edits []byte) any {
	v = deepCopy(v)
	for n := 0; len(edits) >= 3 && n < maxEdits; n++ {
		kind, x, y := edits[0], int(edits[1]), int(edits[2])
		edits = edits[3:]
		members := membersOf(v, nil)
		if len(members) == 0 {
			break
		}
		from := members[x%len(members)]
		switch kind % 3 {
		case 0:
			delete(from.object, from.name)
		case 1:
			to := members[y%len(members)].object
			if _, ok := to[from.name]; !ok && !contains(from.object[from.name], to) {
				to[from.name] = from.object[from.name]
				delete(from.object, from.name)
			}
		default:
			to := members[y%len(members)]
			to.object[to.name] = deepCopy(from.object[from.name])
		}
	}
	return v
}

// member is one member of an object.
type member struct {
	object map[string]any
	name   string
}

// membersOf appends the members of the objects within v, in preorder.
func membersOf(v any, out []member) []member {
	switch v := v.(type) {
	case map[string]any:
		for _, name := range slices.Sorted(maps.Keys(v)) {
			out = append(out, member{v, name})
			out = membersOf(v[name], out)
		}
	case []any:
		for _, e := range v {
			out = membersOf(e, out)
		}
	}
	return out
}

// contains reports whether object is v or within v: moving v into it would
// make a cycle.
func contains(v any, object map[string]any) bool {
	for _, m := range membersOf(v, nil) {
		if isSame(m.object, object) {
			return true
		}
	}
	if m, ok := v.(map[string]any); ok {
		return isSame(m, object)
	}
	return false
}

// isSame reports whether a and b are one map.
func isSame(a, b map[string]any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopy(e)
		}
		return out
	default:
		return v
	}
}
