package webhook

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
)

// children is the schema of the fingerprint: the tags a node of each tag
// may hold (0 is the pod itself). Each tag but the pod's is the child of
// exactly one node tag, which TestFingerprintParses checks.
var children = map[byte][]byte{
	0:                  {tagMetadata, tagSpec},
	tagMetadata:        {tagAnnotations},
	tagAnnotations:     {tagAnnotationName, tagAnnotationValue},
	tagSpec:            {tagAutomount, tagGrace, tagSecurityContext, tagVolumes, tagInitContainers, tagContainers},
	tagSecurityContext: {tagFSGroup},
	tagContainers:      {tagContainer},
	tagContainer:       {tagContainerName, tagImage, tagCommand, tagEnv, tagVolumeMounts},
	tagEnv:             {tagEnvVar},
	tagEnvVar:          {tagEnvName, tagEnvValue, tagValueFrom},
}

var errMalformed = errors.New("malformed fingerprint")

// parseFingerprint parses a fingerprint back into its tree, checking that
// every node ends, every leaf has the length it claims, every tag is where
// the schema puts it and nothing follows the pod. It returns the number of
// records.
func parseFingerprint(key []byte) (int, error) {
	records, rest, err := parseNode(0, key)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("%w: %d bytes after the pod", errMalformed, len(rest))
	}
	return records, err
}

// parseNode parses the children of a node of tag parent, up to its tagEnd
// (the end of key for the pod), and returns what follows.
func parseNode(parent byte, key []byte) (int, []byte, error) {
	records := 0
	for len(key) > 0 {
		tag := key[0]
		key = key[1:]
		if tag == tagEnd && parent != 0 {
			return records, key, nil
		}
		if !containsTag(children[parent], tag) {
			return records, nil, fmt.Errorf("%w: tag %d in a node of tag %d", errMalformed, tag, parent)
		}
		records++
		if tag < firstLeaf {
			n, rest, err := parseNode(tag, key)
			records += n
			if err != nil {
				return records, nil, err
			}
			key = rest
			continue
		}
		n, size := binary.Uvarint(key)
		if size <= 0 || n > uint64(len(key)-size) {
			return records, nil, fmt.Errorf("%w: leaf of tag %d is cut short", errMalformed, tag)
		}
		key = key[size+int(n):]
	}
	if parent != 0 {
		return records, nil, fmt.Errorf("%w: node of tag %d does not end", errMalformed, parent)
	}
	return records, key, nil
}

func containsTag(tags []byte, tag byte) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

// TestFingerprintParses: the schema places every tag under one node tag,
// and the fingerprints of the golden pods and of the colliding pairs parse
// back into trees of it.
func TestFingerprintParses(t *testing.T) {
	parents := map[byte]int{}
	for _, tags := range children {
		for _, tag := range tags {
			parents[tag]++
		}
	}
	for tag := tagMetadata; tag < tagLeaves; tag++ {
		if parents[tag] != 1 {
			t.Errorf("tag %d is the child of %d node tags, want 1", tag, parents[tag])
		}
		if _, isNode := children[tag]; isNode != (tag < firstLeaf) {
			t.Errorf("tag %d: node in the schema %v, node tag %v", tag, isNode, tag < firstLeaf)
		}
	}
	var pods [][]byte
	for _, name := range []string{"mr3-worker", "mr3-worker-agent", "spark-executor", "clash", "unknown-fields"} {
		pods = append(pods, goldenPod(t, name))
	}
	for _, pair := range collidingPairs {
		pods = append(pods, []byte(pair.a), []byte(pair.b))
	}
	for _, raw := range pods {
		key := keyOf(t, reviewOf(t, "u", "ns", admissionv1.Create, raw))
		if n, err := parseFingerprint(key); err != nil || n < 4 {
			t.Errorf("fingerprint %q: %d records, %v", key, n, err)
		}
	}
}
