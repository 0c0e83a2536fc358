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

// patchEncoder encodes patches. One is reused across requests (see
// scratch): it holds the JSON of one operation, and the last bytes of the
// JSON not yet in base64.
type patchEncoder struct {
	one bytes.Buffer
	enc *json.Encoder
	// pending are the bytes of JSON that do not yet fill a group of three,
	// which base64 encodes as four.
	pending  [3]byte
	npending int
}

func newPatchEncoder() *patchEncoder {
	p := &patchEncoder{}
	p.enc = json.NewEncoder(&p.one)
	p.enc.SetEscapeHTML(false)
	return p
}

// encode appends the patch of ops to dst, as JSON encoded in base64, one
// operation at a time: what it holds besides dst is the JSON of one
// operation. It stops at the deadline, and at MaxPatchBytes with a
// *inject.Denied that gives the size.
func (p *patchEncoder) encode(dl deadline, dst []byte, ops []inject.Operation) ([]byte, error) {
	p.npending = 0
	size := 0
	for i := range ops {
		if err := dl.err(); err != nil {
			return dst, fmt.Errorf("encoding the patch: %w", err)
		}
		p.one.Reset()
		sep := byte(',')
		if i == 0 {
			sep = '['
		}
		p.one.WriteByte(sep)
		if err := p.enc.Encode(&ops[i]); err != nil {
			return dst, fmt.Errorf("encoding the patch: %w", err)
		}
		p.one.Truncate(p.one.Len() - 1) // Encode's newline
		if i == len(ops)-1 {
			p.one.WriteByte(']')
		}
		if size += p.one.Len(); size > MaxPatchBytes {
			return dst, patchTooLarge(size, i+1, len(ops))
		}
		dst = p.appendBase64(dst, p.one.Bytes())
	}
	return base64.StdEncoding.AppendEncode(dst, p.pending[:p.npending]), nil
}

// appendBase64 appends data in base64 to dst, but for the last bytes that
// do not fill a group of three, which it keeps pending.
func (p *patchEncoder) appendBase64(dst, data []byte) []byte {
	if p.npending > 0 {
		n := copy(p.pending[p.npending:], data)
		if p.npending += n; p.npending < len(p.pending) {
			return dst
		}
		dst = base64.StdEncoding.AppendEncode(dst, p.pending[:])
		data, p.npending = data[n:], 0
	}
	whole := len(data) / 3 * 3
	dst = base64.StdEncoding.AppendEncode(dst, data[:whole])
	p.npending = copy(p.pending[:], data[whole:])
	return dst
}

// patchTooLarge denies a pod whose patch passed MaxPatchBytes at its
// operation number done.
func patchTooLarge(size, done, total int) error {
	return &inject.Denied{Reason: inject.ReasonTooLarge, Errors: field.ErrorList{field.Forbidden(field.NewPath("spec"),
		fmt.Sprintf("the patch stagehand would make is larger than %d bytes (%d bytes of JSON at operation %d of %d); "+
			"inject fewer containers (stagehand.io/containers) or keep their commands and lists smaller", MaxPatchBytes, size, done, total))}}
}
