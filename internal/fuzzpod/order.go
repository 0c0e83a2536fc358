package fuzzpod

import (
	"encoding/json"
	"maps"
	"slices"
)

// Ordered encodes v, a value as encoding/json decodes JSON into any, with the
// members of every object in an order that order picks: the names sorted,
// then shuffled by the bytes of order, taken in turn and over again. An
// empty order keeps the names sorted. It is how the fuzz targets send what
// only a direct caller sends: a container's name after its env, an env var's
// value before its name.
func Ordered(v any, order []byte) ([]byte, error) {
	o := orderer{order: order}
	return o.append(nil, v)
}

type orderer struct {
	order []byte
	at    int
}

func (o *orderer) append(out []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case map[string]any:
		names := slices.Sorted(maps.Keys(v))
		for i := len(names) - 1; i > 0 && len(o.order) > 0; i-- {
			j := int(o.order[o.at%len(o.order)]) % (i + 1)
			o.at++
			names[i], names[j] = names[j], names[i]
		}
		out = append(out, '{')
		for i, name := range names {
			if i > 0 {
				out = append(out, ',')
			}
			var err error
			if out, err = o.scalar(out, name); err != nil {
				return nil, err
			}
			out = append(out, ':')
			if out, err = o.append(out, v[name]); err != nil {
				return nil, err
			}
		}
		return append(out, '}'), nil
	case []any:
		out = append(out, '[')
		for i, e := range v {
			if i > 0 {
				out = append(out, ',')
			}
			var err error
			if out, err = o.append(out, e); err != nil {
				return nil, err
			}
		}
		return append(out, ']'), nil
	default:
		return o.scalar(out, v)
	}
}

func (o *orderer) scalar(out []byte, v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	return append(out, raw...), err
}
