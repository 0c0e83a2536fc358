package offline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/internal/yamldoc"
)

// Pod is a pod of a manifest, or the pod template of a workload, as
// injection would read it.
type Pod struct {
	// Object names the object that carries the pod, as Inject's warnings
	// do: `Pod "spark-pi-exec-1"`, `Deployment "web"`, prefixed with
	// "items[i] " inside a List.
	Object string
	// Kind and Name are the object's.
	Kind, Name string
	// Namespace is the object's namespace; empty when it names none.
	Namespace string
	// Template is where the pod sits in the object, as a field path
	// ("spec.template"); empty for a Pod.
	Template string
	// JSON is the pod or pod template.
	JSON []byte
	// Misplaced warns about stagehand.io/ keys on a workload's own
	// metadata, where stagehand never reads them.
	Misplaced []string
}

// Pods returns every pod and pod template of the multi-document YAML of in
// (the items of a List included), in order; a workload with no pod
// template yet carries none. The problems of every document are returned
// together.
func Pods(in io.Reader) ([]Pod, error) {
	var pods []Pod
	var errs []error
	err := yamldoc.Each(in, func(n int, doc []byte) {
		raw, err := yaml.YAMLToJSON(doc)
		if err != nil {
			errs = append(errs, fmt.Errorf("document %d: not valid YAML: %w", n, err))
			return
		}
		found, err := podsOf(raw, "")
		if err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", n, err))
		}
		pods = append(pods, found...)
	})
	if err != nil {
		return nil, err
	}
	return pods, errors.Join(errs...)
}

// podsOf returns the pods of one object's JSON; prefix names the List item
// it is.
func podsOf(raw []byte, prefix string) ([]Pod, error) {
	var obj object
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, &obj) != nil || obj.Kind == "" {
		return nil, nil // as Inject: comments, empty documents and non-objects carry no pod
	}
	gk, err := obj.groupKind()
	if err != nil {
		return nil, fmt.Errorf("%s%s: %w", prefix, obj.String(), err)
	}
	if gk == listKind {
		return listPods(raw, prefix)
	}
	pointer, ok := templatePointers[gk]
	if !ok {
		return nil, nil
	}
	var whole map[string]any
	if err := json.Unmarshal(raw, &whole); err != nil {
		return nil, fmt.Errorf("%s%s: decoding: %w", prefix, obj.String(), err)
	}
	template, ok := lookup(whole, pointer)
	if !ok {
		return nil, nil
	}
	podJSON, err := json.Marshal(template)
	if err != nil {
		return nil, fmt.Errorf("%s%s: encoding the pod template: %w", prefix, obj.String(), err)
	}
	return []Pod{{
		Object: prefix + obj.String(), Kind: obj.Kind, Name: obj.Metadata.Name, Namespace: obj.Metadata.Namespace,
		Template: strings.ReplaceAll(strings.TrimPrefix(pointer, "/"), "/", "."), JSON: podJSON,
		Misplaced: obj.misplacedKeys(pointer),
	}}, nil
}

// listPods returns the pods of the items of a List.
func listPods(raw []byte, prefix string) ([]Pod, error) {
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("%sList: %w", prefix, err)
	}
	var pods []Pod
	var errs []error
	for i, item := range list.Items {
		found, err := podsOf(item, fmt.Sprintf("%sitems[%d] ", prefix, i))
		if err != nil {
			errs = append(errs, err)
		}
		pods = append(pods, found...)
	}
	return pods, errors.Join(errs...)
}
