// Package yamldoc reads the documents of multi-document YAML, as kubectl
// does: the manifests `webhook inject` injects and the InjectionProfiles it
// reads.
package yamldoc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Each calls each for every document of r that is not blank, with its
// number among all the documents, from 1. It returns the error of a
// document that cannot be read, naming its number; each is not called
// for it or any after it.
func Each(r io.Reader, each func(n int, doc []byte)) error {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	for n := 1; ; n++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading document %d: %w", n, err)
		}
		if len(bytes.TrimSpace(doc)) > 0 {
			each(n, doc)
		}
	}
}
