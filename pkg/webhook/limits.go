package webhook

import (
	"errors"
	"fmt"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// MaxPodElements bounds the elements of a pod the handler decodes. Decoding
// turns a few bytes of JSON ("{}," is three) into a Go value of a hundred
// bytes or more (a corev1.Container is 408), so a 7 MiB body of empty
// elements would decode into gigabytes; counted while fingerprinting, before
// anything is decoded, a pod over the bound is denied at the cost of reading
// it. The pods of MR3, Spark and Hive have a few hundred.
const MaxPodElements = 5000

// elements counts what decoding a pod would allocate, by kind.
type elements struct {
	containers, initContainers, volumes, env, mounts, words, annotations int
}

// of is the count of the elements of the list fingerprinted under tag; nil
// for a tag that is not a list.
func (n *elements) of(tag byte) *int {
	switch tag {
	case tagContainers:
		return &n.containers
	case tagInitContainers:
		return &n.initContainers
	case tagVolumes:
		return &n.volumes
	case tagEnv:
		return &n.env
	case tagVolumeMounts:
		return &n.mounts
	}
	return nil
}

func (n *elements) total() int {
	return n.containers + n.initContainers + n.volumes + n.env + n.mounts + n.words + n.annotations
}

// decodedBytes estimates the memory that decoding and injecting the pod
// hold: each element's Go value, three times (the decoded list's growth,
// and re-injection's copy of the lists it edits).
func (n *elements) decodedBytes() int64 {
	size := n.containers*int(unsafe.Sizeof(corev1.Container{})) +
		n.initContainers*int(unsafe.Sizeof(corev1.Container{})) +
		n.volumes*int(unsafe.Sizeof(corev1.Volume{})) +
		n.env*int(unsafe.Sizeof(corev1.EnvVar{})) +
		n.mounts*int(unsafe.Sizeof(corev1.VolumeMount{})) +
		(n.words+2*n.annotations)*int(unsafe.Sizeof(""))
	return 3 * int64(size)
}

// errTooManyElements stops fingerprinting a pod with more than
// MaxPodElements elements: nothing more of it is read.
var errTooManyElements = errors.New("too many elements")

// add counts k more elements of a kind, n being one of r.count's fields,
// and stops the reading when the pod has more than MaxPodElements.
func (r *podReader) add(n *int, k int) error {
	if *n += k; r.count.total() > MaxPodElements {
		return errTooManyElements
	}
	return nil
}

// tooMany denies a pod whose fingerprinting stopped at MaxPodElements,
// with the count of each kind read until then.
func (n *elements) tooMany() error {
	e := field.TooMany(field.NewPath("spec"), -1, MaxPodElements)
	e.Detail = fmt.Sprintf("stagehand reads at most %d elements of a pod, and this pod has more: %d containers, %d init containers, "+
		"%d volumes, %d env vars, %d volume mounts, %d command words and %d stagehand.io/ annotations before it stopped reading",
		MaxPodElements, n.containers, n.initContainers, n.volumes, n.env, n.mounts, n.words, n.annotations)
	return &inject.Denied{Reason: inject.ReasonTooLarge, Errors: field.ErrorList{e}}
}

// countArray returns how many elements raw, a valid JSON array or null, has
// at its top level, without decoding it.
func countArray(raw []byte) int {
	depth, n, inString, escaped := 0, 0, false, false
	for _, c := range raw {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		if depth == 1 && n == 0 && c != ']' && c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			n = 1 // the first element starts; each comma at this depth starts another
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		case ',':
			if depth == 1 {
				n++
			}
		}
	}
	return n
}
