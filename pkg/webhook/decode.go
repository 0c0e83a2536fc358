package webhook

import (
	"bytes"
	"encoding/binary"

	"github.com/go-json-experiment/json/jsontext"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// podReader walks the JSON of a Pod, visiting the members that injection
// reads and skipping the rest (probes, resources, ports, args, the values of
// the pod's own env vars and annotations). It runs in one of two modes:
//
//   - fingerprinting (pod is nil) records every visited value, raw, in key,
//     a tree of the objects and lists visited (see the tags below);
//   - decoding decodes every visited value into pod.
//
// Both modes visit the same members through the same code, so a fingerprint
// covers exactly what decoding reads, except the pod's name, generateName
// and namespace: injection never reads them (TestFingerprint
// checks), and they differ between the pods of one MR3 or Spark job.
//
// The injector never serializes the pod's own elements: its patch only
// carries elements stagehand owns, whose content it builds itself. The
// golden tests send every case through this reader and compare the result
// with the offline injector, which decodes whole objects, so a field that an
// injector starts to read but this reader skips fails them.
type podReader struct {
	dec *jsontext.Decoder
	pod *corev1.Pod
	key []byte
	// text is the decoded object as one string, when decoding: the pod's
	// strings are substrings of it, one allocation for all of them.
	text string
	// count is what fingerprinting found of each kind of element, to bound
	// what decoding would allocate (see MaxPodElements); decoding sizes the
	// annotation map for as many stagehand.io/ annotations as it found.
	count elements
	// name and generateName are where the pod's names are in the input,
	// for log lines; fingerprinting finds them without decoding them.
	podName, generateName span
	// discard takes the values fingerprinting reads and does not keep.
	discard struct {
		meta      metav1.ObjectMeta
		spec      corev1.PodSpec
		container corev1.Container
		env       corev1.EnvVar
	}
}

// Fingerprint tags. The fingerprint is a tree written in preorder: an object
// or list the reader enters is a node, its open tag, its children and
// tagEnd; a value it records is a leaf, its tag, the uvarint length of the
// raw value and the raw value. Every member the reader visits has a tag of
// its own: a container's name and an env var's name are different leaves.
//
// The fingerprint is injective, so that one key is one answer:
//
//   - The encoding is prefix-free. A leaf carries its length, a node ends
//     with tagEnd, and node tags, leaf tags and tagEnd are disjoint, so a
//     fingerprint parses back into exactly one tree (TestFingerprintParses
//     and the fuzz targets parse every fingerprint they make).
//   - The tree says where each value is: a tag names one member of one kind
//     of object, and a node holds the members of one object or the elements
//     of one list, in the order read (an env var's value read before its
//     name is recorded after it).
//   - Decoding stores exactly the values fingerprinting records, where their
//     tags say, each a function of the bytes recorded, and creates exactly
//     the objects and elements that are nodes (a null is neither). Nothing
//     else it stores is read by injection: the pod's name, generateName and
//     namespace are not recorded (TestFingerprint checks).
//
// So equal fingerprints are equal trees, which decode to equal pods, as
// injection reads them: two pods whose answers differ never share a key. The
// converse does not hold, nor need it: pods that differ only in the order of
// their members or in how their strings are escaped are injected twice.
const (
	// tagNone visits a value without recording it.
	tagNone byte = iota
	tagEnd
	// Nodes.
	tagMetadata
	tagAnnotations
	tagSpec
	tagSecurityContext
	tagContainers
	tagContainer
	tagEnv
	tagEnvVar
	// Leaves.
	tagAnnotationName
	tagAnnotationValue
	tagAutomount
	tagGrace
	tagFSGroup
	tagVolumes
	tagInitContainers
	tagContainerName
	tagImage
	tagCommand
	tagVolumeMounts
	tagEnvName
	tagEnvValue
	tagValueFrom
	// tagLeaves is one past the last leaf tag.
	tagLeaves
)

// firstLeaf is the first leaf tag; node tags are below it.
const firstLeaf = tagAnnotationName

func (r *podReader) decoding() bool { return r.pod != nil }

// open records the start of a node: an object or list the reader enters.
func (r *podReader) open(tag byte) {
	if !r.decoding() {
		r.key = append(r.key, tag)
	}
}

// close records the end of the node opened last.
func (r *podReader) close() {
	if !r.decoding() {
		r.key = append(r.key, tagEnd)
	}
}

// value reads the next value raw and records it as a leaf under tag.
func (r *podReader) value(tag byte) (jsontext.Value, error) {
	raw, err := r.dec.ReadValue()
	if err == nil && tag != tagNone {
		r.record(tag, raw)
	}
	return raw, err
}

// record appends a leaf: tag, the length of data and data.
func (r *podReader) record(tag byte, data []byte) {
	if !r.decoding() {
		r.key = append(binary.AppendUvarint(append(r.key, tag), uint64(len(data))), data...)
	}
}

// str reads a string or null, recorded under tag; it is decoded only when
// decoding, but its type is checked in both modes.
func (r *podReader) str(tag byte) (string, error) {
	if k := r.dec.PeekKind(); k != '"' && k != 'n' {
		return "", kindError(r.dec, "a string", k)
	}
	raw, err := r.value(tag)
	if err != nil || !r.decoding() {
		return "", err
	}
	return r.unquote(raw)
}

// unquote decodes raw, the string or null the decoder read last. A string
// without escape sequences is a substring of text.
func (r *podReader) unquote(raw jsontext.Value) (string, error) {
	end := int(r.dec.InputOffset())
	start := end - len(raw)
	if raw.Kind() != '"' || bytes.IndexByte(raw, '\\') >= 0 || start < 0 || end > len(r.text) || r.text[start:end] != string(raw) {
		return unquote(raw)
	}
	return r.text[start+1 : end-1], nil
}

// name returns the member name the decoder read last, unquoted, as a
// substring of text when it has no escape sequences.
func (r *podReader) name(unquoted []byte) string {
	end := int(r.dec.InputOffset())
	if start := end - 1 - len(unquoted); start >= 1 && end <= len(r.text) && r.text[start:end-1] == string(unquoted) {
		return r.text[start : end-1]
	}
	return string(unquoted)
}

// strs reads an array of strings or null; recorded whole under tag.
func (r *podReader) strs(tag byte) ([]string, error) {
	if !r.decoding() {
		raw, err := r.value(tag)
		if err == nil {
			err = r.add(&r.count.words, countArray(raw))
		}
		return nil, err
	}
	if null, err := readNull(r.dec); null || err != nil {
		return nil, err
	}
	out := []string{}
	err := readArray(r.dec, func() error {
		s, err := r.str(tagNone)
		out = append(out, s)
		return err
	})
	return out, err
}

// into reads a value recorded under tag and, when decoding, unmarshals it
// into out, a pointer to an API type.
func (r *podReader) into(tag byte, out any) error {
	raw, err := r.value(tag)
	if err != nil || !r.decoding() {
		if n := r.count.of(tag); n != nil && err == nil {
			err = r.add(n, countArray(raw))
		}
		return err
	}
	return unmarshal(r.dec, raw, out)
}

// annotationsPrefix is annotations.Prefix, to compare raw names with.
var annotationsPrefix = []byte(annotations.Prefix)

// The members of each object the reader visits.
var (
	podFields             = []string{"metadata", "spec"}
	metadataFields        = []string{"name", "generateName", "namespace", "annotations"}
	specFields            = []string{"automountServiceAccountToken", "terminationGracePeriodSeconds", "securityContext", "volumes", "initContainers", "containers"}
	securityContextFields = []string{"fsGroup"}
	containerFields       = []string{"name", "image", "command", "env", "volumeMounts"}
	envVarFields          = []string{"name", "value", "valueFrom"}
)

// readPod walks the Pod that is the next value.
func (r *podReader) readPod() error {
	return readStruct(r.dec, podFields, func(name string) error {
		if name == "metadata" {
			return r.node(tagMetadata, r.metadata)
		}
		return r.node(tagSpec, r.spec)
	})
}

// node records what read reads as one node under tag.
func (r *podReader) node(tag byte, read func() error) error {
	r.open(tag)
	err := read()
	r.close()
	return err
}
