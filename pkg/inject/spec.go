package inject

import (
	"bytes"
	"encoding/json"
)

// Spec is the parsed, validated form of a pod's stagehand.io/ annotations:
// the request of each injection asked for.
type Spec struct {
	// Disabled is true when the pod opted out with stagehand.io/inject: "false".
	Disabled bool
	// Containers are the target app containers, in pod order.
	Containers []string
	// requests holds each injection's request by its place in the table;
	// nil where it is not asked for. See injection.of.
	requests []any
}

// Empty reports whether the spec asks for no injection at all.
func (s *Spec) Empty() bool {
	if s.Disabled {
		return true
	}
	for _, r := range s.requests {
		if r != nil {
			return false
		}
	}
	return true
}

// MarshalJSON writes the spec as one object: disabled, containers, and
// each injection's request under its Field, in table order.
func (s *Spec) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	member := func(name string, v any) error {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		value, err := json.Marshal(v)
		if err != nil {
			return err
		}
		key, _ := json.Marshal(name) // a string always marshals
		b.Write(key)
		b.WriteByte(':')
		b.Write(value)
		return nil
	}
	if s.Disabled {
		if err := member("disabled", true); err != nil {
			return nil, err
		}
	}
	if len(s.Containers) > 0 {
		if err := member("containers", s.Containers); err != nil {
			return nil, err
		}
	}
	for i, r := range s.requests {
		if r != nil {
			if err := member(table[i].about().Field, r); err != nil {
				return nil, err
			}
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
