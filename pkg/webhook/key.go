package webhook

import (
	"bytes"

	"github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// The cache key of a pod is the JSON of what injection reads of it, its
// inject.Input, in one canonical encoding (keyOptions): nothing lists the
// fields it holds, the Input's type does. The pod's name, generateName and
// namespace, its args, labels and the values of its own env vars are not in
// the Input, so the pods of one job share a key.
//
// Equal keys give equal answers. Injection is a pure function of the Input
// and of the Injector's options, which do not change. Two Inputs with one
// key are equal in everything injection distinguishes:
//
//   - The encoding writes every member of the Input's own types (none is
//     omitempty), nil lists and maps as null and empty ones as [] and {}: a
//     pod without annotations and one with none of stagehand's are told
//     apart, as the patch tells them apart.
//   - Within the API types (volumes, init containers, env vars, mounts) an
//     omitempty member is left out when it is empty, as the encoding/json
//     the API server and the patch use leaves it out (legacy omitempty: a
//     nil or empty list, map or string, false, 0, a nil pointer; a pointer
//     to an empty struct such as emptyDir: {} is kept). A list left out
//     decodes as nil, which equality.Semantic, the one way injection
//     compares API values, holds equal to an empty one; and a value
//     injection copies into the patch encodes the same either way.
//   - Values with their own encoding (resource.Quantity, IntOrString)
//     encode canonically: 1000m and 1 have one key, are equal to
//     equality.Semantic and are written alike in a patch.
//   - Map keys are sorted, strings are valid UTF-8 (decoding checks) and
//     escaped one way, so equal Inputs have equal keys, and the encoding,
//     decoded again, is the Input up to the above (TestKeyDecodesBack and
//     the fuzz targets check it, and that the answers are the same).
var keyOptions = json.JoinOptions(
	json.Deterministic(true),
	json.FormatNilSliceAsNull(true),
	json.FormatNilMapAsNull(true),
	jsonv1.OmitEmptyWithLegacySemantics(true),
)

// appendKey appends the cache key of pod to dst.
func appendKey(dst []byte, pod *inject.Input) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	err := json.MarshalWrite(buf, pod, keyOptions)
	return buf.Bytes(), err
}
