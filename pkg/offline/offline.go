package offline

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	jsonpatch "github.com/evanphx/json-patch/v5"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/internal/yamldoc"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/profiles"
)

// separator joins documents on output.
const separator = "---\n"

// Injector injects the pods of manifests as the webhook would.
type Injector struct {
	// Injector injects each pod.
	Injector *inject.Injector
	// Profiles are the InjectionProfiles that may select the pods, as in
	// the cluster: a profile selects pods of its own namespace.
	Profiles []v1alpha1.InjectionProfile
	// Namespace is the namespace of objects that name none; "default"
	// when empty.
	Namespace string
}

// Inject reads multi-document YAML from in, injects every pod it carries and
// writes the documents to out. Warnings are returned, prefixed with the
// object they concern. When any pod is denied, every denial is returned
// together and nothing is written.
func (o *Injector) Inject(in io.Reader, out io.Writer) ([]string, error) {
	var buf bytes.Buffer
	var warnings []string
	var errs []error
	err := yamldoc.Each(in, func(n int, doc []byte) {
		injected, warns, err := o.injectDocument(doc)
		warnings = append(warnings, warns...)
		if err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", n, err))
			return
		}
		if buf.Len() > 0 {
			buf.WriteString(separator)
		}
		buf.Write(injected)
		if !bytes.HasSuffix(injected, []byte("\n")) {
			buf.WriteByte('\n')
		}
	})
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return warnings, errors.Join(errs...)
	}
	_, err = out.Write(buf.Bytes())
	return warnings, err
}

// Run injects in into out as the commands do (`webhook inject`, `kubectl
// stagehand inject`): each warning on a line of warn, prefixed "warning: ";
// on a denial nothing goes to out (Inject writes only once every pod is
// injected).
func (o *Injector) Run(in io.Reader, out, warn io.Writer) error {
	warnings, err := o.Inject(in, out)
	for _, w := range warnings {
		fmt.Fprintln(warn, "warning:", w)
	}
	return err
}

// injectDocument returns the document injected, or unchanged when it carries
// no pod or its pod needs no change.
func (o *Injector) injectDocument(doc []byte) ([]byte, []string, error) {
	raw, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("not valid YAML: %w", err)
	}
	var obj object
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, &obj) != nil || obj.Kind == "" {
		return doc, nil, nil // comments, empty documents and non-objects pass through
	}
	gk, err := obj.groupKind()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", obj.String(), err)
	}
	if gk == listKind {
		return o.injectList(doc, raw)
	}
	pointer, ok := templatePointers[gk]
	if !ok {
		return doc, nil, nil
	}
	namespace := obj.Metadata.Namespace
	if namespace == "" {
		namespace = cmp.Or(o.Namespace, metav1.NamespaceDefault)
	}
	patch, warnings, err := o.injectObject(raw, pointer, namespace)
	warnings = append(obj.misplacedKeys(pointer), warnings...)
	for i, w := range warnings {
		warnings[i] = obj.String() + ": " + w
	}
	if err != nil {
		return nil, warnings, fmt.Errorf("%s: %w", obj.String(), err)
	}
	if len(patch) == 0 {
		return doc, warnings, nil
	}
	out, err := applyPatch(raw, patch)
	if err != nil {
		return nil, warnings, fmt.Errorf("%s: %w", obj.String(), err)
	}
	return out, warnings, nil
}

// injectObject injects the pod at pointer inside the object and returns the
// patch with paths relative to the object.
func (o *Injector) injectObject(raw []byte, pointer, namespace string) ([]inject.Operation, []string, error) {
	var whole map[string]any
	if err := json.Unmarshal(raw, &whole); err != nil {
		return nil, nil, fmt.Errorf("decoding: %w", err)
	}
	template, ok := lookup(whole, pointer)
	if !ok {
		return nil, nil, nil // a workload with no pod template yet: nothing to inject
	}
	podJSON, err := json.Marshal(template)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding the pod template: %w", err)
	}
	// Case-sensitive, as the API server decodes: the patch addresses fields
	// by their exact names.
	pod, err := inject.DecodeInput(podJSON)
	if err != nil {
		return nil, nil, fmt.Errorf("decoding the pod at %q: %w", pointer+"/", err)
	}
	var meta struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(podJSON, &meta); err != nil {
		return nil, nil, fmt.Errorf("decoding the labels of the pod at %q: %w", pointer+"/", err)
	}
	if pod.Profile, err = profiles.Select(o.Profiles, namespace, meta.Metadata.Labels); err != nil {
		return nil, nil, err
	}
	res, err := o.Injector.Inject(pod)
	if err != nil || len(res.Patch) == 0 {
		return nil, res.Warnings, err
	}
	ops := make([]inject.Operation, 0, len(res.Patch)+1)
	if _, hasMeta := template["metadata"]; !hasMeta {
		ops = append(ops, inject.Operation{Operation: "add", Path: pointer + "/metadata", Value: map[string]any{}})
	}
	for _, op := range res.Patch {
		op.Path = pointer + op.Path
		ops = append(ops, op)
	}
	return ops, res.Warnings, nil
}

// applyPatch applies ops to the raw object and renders it as YAML.
func applyPatch(raw []byte, ops []inject.Operation) ([]byte, error) {
	patchJSON, err := json.Marshal(ops)
	if err != nil {
		return nil, fmt.Errorf("encoding the patch: %w", err)
	}
	patch, err := jsonpatch.DecodePatch(patchJSON)
	if err != nil {
		return nil, fmt.Errorf("decoding the patch: %w", err)
	}
	patched, err := patch.Apply(raw)
	if err != nil {
		return nil, fmt.Errorf("applying the patch: %w", err)
	}
	out, err := yaml.JSONToYAML(patched)
	if err != nil {
		return nil, fmt.Errorf("rendering YAML: %w", err)
	}
	return out, nil
}
