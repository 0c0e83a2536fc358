package podrunner

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// templatePaths maps the kinds that carry a pod template to the field path
// of the template.
var templatePaths = map[string][]string{
	"Deployment":            {"spec", "template"},
	"StatefulSet":           {"spec", "template"},
	"DaemonSet":             {"spec", "template"},
	"ReplicaSet":            {"spec", "template"},
	"ReplicationController": {"spec", "template"},
	"Job":                   {"spec", "template"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template"},
}

// LoadPod returns the first pod in a YAML or JSON stream: a Pod document, or
// the pod template of a Deployment, StatefulSet, DaemonSet, ReplicaSet,
// ReplicationController, Job or CronJob (named after the workload, in its
// namespace). Documents of other kinds are skipped.
func LoadPod(data []byte) (*corev1.Pod, error) {
	for i, doc := range splitDocuments(data) {
		var head struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		if head.Kind == "Pod" {
			pod := &corev1.Pod{}
			if err := yaml.Unmarshal(doc, pod); err != nil {
				return nil, fmt.Errorf("document %d: Pod %q: %w", i+1, head.Metadata.Name, err)
			}
			return pod, nil
		}
		path, ok := templatePaths[head.Kind]
		if !ok {
			continue
		}
		pod, err := podFromTemplate(doc, path)
		if err != nil {
			return nil, fmt.Errorf("document %d: %s %q: %w", i+1, head.Kind, head.Metadata.Name, err)
		}
		if pod.Name == "" {
			pod.Name = head.Metadata.Name
		}
		if pod.Namespace == "" {
			pod.Namespace = head.Metadata.Namespace
		}
		return pod, nil
	}
	return nil, errors.New("no Pod or pod template found")
}

func podFromTemplate(doc []byte, path []string) (*corev1.Pod, error) {
	var obj map[string]any
	if err := yaml.Unmarshal(doc, &obj); err != nil {
		return nil, err
	}
	var cur any = obj
	for _, key := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("no %s", strings.Join(path, "."))
		}
		cur = m[key]
	}
	if cur == nil {
		return nil, fmt.Errorf("no %s", strings.Join(path, "."))
	}
	raw, err := yaml.Marshal(cur)
	if err != nil {
		return nil, err
	}
	var tmpl corev1.PodTemplateSpec
	if err := yaml.Unmarshal(raw, &tmpl); err != nil {
		return nil, fmt.Errorf("%s: %w", strings.Join(path, "."), err)
	}
	return &corev1.Pod{ObjectMeta: tmpl.ObjectMeta, Spec: tmpl.Spec}, nil
}

// splitDocuments splits a YAML stream at "---" separator lines, dropping
// empty documents.
func splitDocuments(data []byte) [][]byte {
	var docs [][]byte
	var cur bytes.Buffer
	flush := func() {
		if len(bytes.TrimSpace(cur.Bytes())) > 0 {
			docs = append(docs, bytes.Clone(cur.Bytes()))
		}
		cur.Reset()
	}
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		trimmed := bytes.TrimRight(line, " \t\r\n")
		if bytes.Equal(trimmed, []byte("---")) || bytes.HasPrefix(trimmed, []byte("--- ")) {
			flush()
			continue
		}
		cur.Write(line)
	}
	flush()
	return docs
}
