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
)

// review is what the handler reads of an AdmissionReview: its envelope.
// The pod is not read here: it is decoded once, into what injection reads
// of it (see decoding), and only for a CREATE or UPDATE.
type review struct {
	// apiVersion is echoed in the answer, as the API server requires.
	apiVersion string
	uid        string
	operation  admissionv1.Operation
	// object is the request's object, raw, where it is in body; nil when
	// it has none.
	object []byte
	// body is the request's body; namespace is where that string is in
	// it, decoded only for log lines, as the pod's name is (see who).
	body      []byte
	namespace span
	// dryRun says the API server will not persist the pod: no Event.
	dryRun bool
}

// wants reports whether stagehand acts on the request's operation.
func (rv *review) wants() bool {
	return rv.operation == admissionv1.Create || rv.operation == admissionv1.Update
}

// The members of the review the handler reads.
var (
	reviewFields  = []string{"apiVersion", "kind", "request"}
	requestFields = []string{"uid", "namespace", "operation", "object", "dryRun"}
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

// decodeReview reads the envelope of an AdmissionReview in one pass over
// body, checking the syntax of all of it, and keeps where the object is.
func decodeReview(body []byte) (review, error) {
	pooled := decoder(body)
	defer pooled.release()
	dec := pooled.dec
	rv := review{body: body}
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
			err = rv.request(dec)
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

// request reads the AdmissionRequest.
func (rv *review) request(dec *jsontext.Decoder) error {
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
			rv.object, err = readRaw(dec, rv.body)
		case "dryRun":
			rv.dryRun, err = readBool(dec)
		}
		return err
	})
}

// readRaw skips the value that is next, checking its syntax, and returns
// where it is in body; nil for a null.
func readRaw(dec *jsontext.Decoder, body []byte) ([]byte, error) {
	if null, err := readNull(dec); null || err != nil {
		return nil, err
	}
	// The offset is that of the member name: the value follows a colon.
	start := dec.InputOffset()
	if err := dec.SkipValue(); err != nil {
		return nil, err
	}
	return bytes.TrimLeft(body[start:dec.InputOffset()], " \t\r\n:"), nil
}

// undecodable marks an error of the object, rather than of the envelope.
func undecodable(err error) error {
	var syntax *jsontext.SyntacticError
	if errors.As(err, &syntax) {
		return err
	}
	return fmt.Errorf("%w: %w", errUndecodable, err)
}
