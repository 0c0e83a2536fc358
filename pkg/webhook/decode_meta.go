package webhook

import (
	"bytes"
)

// This file holds the podReader's walk of the pod's metadata.

func (r *podReader) metadata() error {
	meta := &r.discard.meta
	if r.decoding() {
		meta = &r.pod.ObjectMeta
	}
	return readStruct(r.dec, metadataFields, func(name string) (err error) {
		switch name {
		case "name":
			if !r.decoding() {
				r.podName, err = readSpan(r.dec)
				return err
			}
			meta.Name, err = r.str(tagNone)
		case "generateName":
			if !r.decoding() {
				r.generateName, err = readSpan(r.dec)
				return err
			}
			meta.GenerateName, err = r.str(tagNone)
		case "namespace":
			meta.Namespace, err = r.str(tagNone)
		case "annotations":
			meta.Annotations, err = r.annotations()
		}
		return err
	})
}

// annotations reads the stagehand.io/ annotations, the only ones injection
// reads. The map is not nil when the pod has annotations of any kind: the
// patch adds to it rather than creating it. Of a key that comes twice, the
// last value counts, as in the API server's decoder; both are in the
// fingerprint.
func (r *podReader) annotations() (map[string]string, error) {
	if null, err := readNull(r.dec); null || err != nil {
		return nil, err
	}
	r.open(tagAnnotations)
	defer r.close()
	var m map[string]string
	if r.decoding() {
		m = make(map[string]string, r.count.annotations)
	}
	err := readObject(r.dec, func(name []byte) error {
		if !bytes.HasPrefix(name, annotationsPrefix) {
			_, err := r.str(tagNone)
			return err
		}
		r.record(tagAnnotationName, name)
		if !r.decoding() {
			if err := r.add(&r.count.annotations, 1); err != nil {
				return err
			}
		}
		var key string
		if m != nil {
			key = r.name(name)
		}
		v, err := r.str(tagAnnotationValue)
		if m != nil {
			m[key] = v
		}
		return err
	})
	return m, err
}
