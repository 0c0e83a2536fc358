package webhook

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// MaxPatchBytes bounds the JSON Patch of one admission. A pod that stagehand
// injects into its most containers (annotations.MaxTargetContainers) with
// every part needs a fraction of it; a larger patch means a pod of huge
// commands or lists, whose answer would cost the webhook and the API server
// more than any pod should.
const MaxPatchBytes = 1 << 20

// encodePatch appends the patch of ops to dst, as JSON encoded in base64,
// one operation at a time: what it holds besides dst is the JSON of one
// operation. It stops at the deadline, and at MaxPatchBytes with a
// *inject.Denied that gives the size.
func encodePatch(dl deadline, dst []byte, ops []inject.Operation) ([]byte, error) {
	out := bytes.NewBuffer(dst)
	b64 := base64.NewEncoder(base64.StdEncoding, out)
	var one bytes.Buffer
	enc := json.NewEncoder(&one)
	enc.SetEscapeHTML(false)
	size := 0
	for i := range ops {
		if err := dl.err(); err != nil {
			return out.Bytes(), fmt.Errorf("encoding the patch: %w", err)
		}
		one.Reset()
		sep := byte(',')
		if i == 0 {
			sep = '['
		}
		one.WriteByte(sep)
		if err := enc.Encode(&ops[i]); err != nil {
			return out.Bytes(), fmt.Errorf("encoding the patch: %w", err)
		}
		one.Truncate(one.Len() - 1) // Encode's newline
		if i == len(ops)-1 {
			one.WriteByte(']')
		}
		if size += one.Len(); size > MaxPatchBytes {
			return out.Bytes(), patchTooLarge(size, i+1, len(ops))
		}
		_, _ = b64.Write(one.Bytes()) // writing to a bytes.Buffer cannot fail
	}
	err := b64.Close() // writes the last bytes
	return out.Bytes(), err
}

// patchTooLarge denies a pod whose patch passed MaxPatchBytes at its
// operation number done.
func patchTooLarge(size, done, total int) error {
	return &inject.Denied{Reason: inject.ReasonTooLarge, Errors: field.ErrorList{field.Forbidden(field.NewPath("spec"),
		fmt.Sprintf("the patch stagehand would make is larger than %d bytes (%d bytes of JSON at operation %d of %d); "+
			"inject fewer containers (stagehand.io/containers) or keep their commands and lists smaller", MaxPatchBytes, size, done, total))}}
}
