package webhook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
	admissionv1 "k8s.io/api/admission/v1"
	admissionv1beta1 "k8s.io/api/admission/v1beta1"
	corev1 "k8s.io/api/core/v1"
)

// review is what the handler reads of an AdmissionReview.
type review struct {
	// apiVersion is echoed in the answer, as the API server requires.
	apiVersion string
	uid        string
	operation  admissionv1.Operation
	// object is the request's object, raw; nil when it has none.
	object []byte
	// key is the object's fingerprint: what injection reads of it.
	key []byte
	// elements counts what decoding the object would allocate.
	elements elements
	// body is the request's body; namespace, name and generateName are
	// where those strings are in it, decoded only for log lines.
	body                          []byte
	namespace, name, generateName span
}

// wants reports whether stagehand acts on the request's operation.
func (rv *review) wants() bool {
	return rv.operation == admissionv1.Create || rv.operation == admissionv1.Update
}

// The members of the review the handler reads.
var (
	reviewFields  = []string{"apiVersion", "kind", "request"}
	requestFields = []string{"uid", "namespace", "operation", "object"}
	// The values the handler compares, read without allocating.
	reviewVersions = []string{admissionv1.SchemeGroupVersion.String(), admissionv1beta1.SchemeGroupVersion.String()}
	reviewKinds    = []string{"AdmissionReview"}
	operations     = []string{string(admissionv1.Create), string(admissionv1.Update), string(admissionv1.Delete), string(admissionv1.Connect)}
)

// Errors of requests that are not AdmissionReviews stagehand can answer.
var (
	errNotReview   = errors.New("not an AdmissionReview of admission.k8s.io/v1 or v1beta1")
	errNoRequest   = errors.New("the AdmissionReview has no request")
	errTrailing    = errors.New("data after the AdmissionReview")
	errUndecodable = errors.New("the request's object is not a Pod")
)

// decoders are reused: a decoder keeps its state stack. A pooled decoder
// reads from an empty buffer, so that it holds no request body.
var decoders = sync.Pool{New: func() any {
	return &pooledDecoder{dec: jsontext.NewDecoder(&bytes.Buffer{})}
}}

type pooledDecoder struct {
	dec *jsontext.Decoder
	in  bytes.Buffer
}

// decoder returns a pooled decoder of data, which it reads in place.
func decoder(data []byte) *pooledDecoder {
	d, _ := decoders.Get().(*pooledDecoder)
	d.in = *bytes.NewBuffer(data)
	d.dec.Reset(&d.in, decoderOptions)
	return d
}

// release returns d to the pool, holding no data.
func (d *pooledDecoder) release() {
	d.in = bytes.Buffer{}
	d.dec.Reset(&d.in)
	decoders.Put(d)
}

// decodeReview reads an AdmissionReview in one pass over body,
// fingerprinting the Pod as it goes (see podReader) and keeping where the
// object is: it is decoded, in a second pass, only when no cached answer
// fits. The fingerprint is appended to key. An error of the object wraps
// errUndecodable.
func decodeReview(body *bytes.Buffer, key []byte) (review, error) {
	pooled := decoder(body.Bytes())
	defer pooled.release()
	dec := pooled.dec
	rv := review{key: key, body: body.Bytes()}
	var kind string
	var hasRequest bool
	err := readStruct(dec, reviewFields, func(name string) (err error) {
		switch name {
		case "apiVersion":
			rv.apiVersion, err = readEnum(dec, reviewVersions)
		case "kind":
			kind, err = readEnum(dec, reviewKinds)
		case "request":
			hasRequest = dec.PeekKind() == '{'
			err = rv.request(dec, body.Bytes())
		}
		return err
	})
	switch {
	case err != nil:
		return rv, err
	case kind != reviewKinds[0] || !slices.Contains(reviewVersions, rv.apiVersion):
		return rv, fmt.Errorf("%w: apiVersion %q, kind %q", errNotReview, rv.apiVersion, kind)
	case !hasRequest:
		return rv, errNoRequest
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return rv, errTrailing
	}
	return rv, nil
}

// request reads the AdmissionRequest. The API server writes the operation
// before the object; an object that comes first is decoded regardless.
func (rv *review) request(dec *jsontext.Decoder, body []byte) error {
	return readStruct(dec, requestFields, func(name string) (err error) {
		switch name {
		case "uid":
			rv.uid, err = readString(dec)
		case "namespace":
			rv.namespace, err = readSpan(dec)
		case "operation":
			var op string
			op, err = readEnum(dec, operations)
			rv.operation = admissionv1.Operation(op)
		case "object":
			err = rv.fingerprint(dec, body)
		}
		return err
	})
}

// fingerprint fingerprints the object and keeps where it is in body, to decode
// it in a second pass if its injection is not cached.
func (rv *review) fingerprint(dec *jsontext.Decoder, body []byte) error {
	if rv.operation != "" && !rv.wants() {
		return dec.SkipValue()
	}
	if null, err := readNull(dec); null || err != nil {
		return err
	}
	// The offset is that of the member name: the value follows a colon.
	start := dec.InputOffset()
	r := podReader{dec: dec, key: rv.key[:0]}
	err := r.readPod()
	rv.key, rv.elements = r.key, r.count
	rv.name, rv.generateName = r.podName, r.generateName
	if err != nil {
		return undecodable(err)
	}
	rv.object = bytes.TrimLeft(body[start:dec.InputOffset()], " \t\r\n:")
	return nil
}

// undecodable marks an error of the object, rather than of the envelope.
func undecodable(err error) error {
	var syntax *jsontext.SyntacticError
	if errors.As(err, &syntax) {
		return err
	}
	return fmt.Errorf("%w: %w", errUndecodable, err)
}

// decodePod decodes what injection reads of a Pod's JSON; ours is how many
// stagehand.io/ annotations fingerprinting found, to size their map.
func decodePod(object []byte, ours int) (*corev1.Pod, error) {
	pooled := decoder(object)
	defer pooled.release()
	r := podReader{dec: pooled.dec, pod: &corev1.Pod{}, text: string(object), count: elements{annotations: ours}}
	if err := r.readPod(); err != nil {
		return nil, undecodable(err)
	}
	return r.pod, nil
}
