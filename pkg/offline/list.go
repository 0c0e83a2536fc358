package offline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// listKind is the v1 List that `kubectl get -o yaml` prints.
var listKind = schema.GroupKind{Kind: "List"}

// injectList injects every item of a List as a document of its own; the
// List comes back as it was when no item changed.
func (o *Injector) injectList(doc, raw []byte) ([]byte, []string, error) {
	var list map[string]any
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, nil, fmt.Errorf("List: %w", err)
	}
	items, _ := list["items"].([]any)
	var warnings []string
	var errs []error
	changed := false
	for i, item := range items {
		itemJSON, err := json.Marshal(item)
		if err != nil {
			return nil, warnings, fmt.Errorf("List items[%d]: %w", i, err)
		}
		out, warns, err := o.injectDocument(itemJSON)
		for _, w := range warns {
			warnings = append(warnings, fmt.Sprintf("items[%d] %s", i, w))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("items[%d] %w", i, err))
			continue
		}
		if bytes.Equal(out, itemJSON) {
			continue
		}
		var injected any
		if err := yaml.Unmarshal(out, &injected); err != nil {
			return nil, warnings, fmt.Errorf("List items[%d]: %w", i, err)
		}
		items[i], changed = injected, true
	}
	if len(errs) > 0 {
		return nil, warnings, errors.Join(errs...)
	}
	if !changed {
		return doc, warnings, nil
	}
	b, err := json.Marshal(list)
	if err != nil {
		return nil, warnings, fmt.Errorf("List: %w", err)
	}
	out, err := yaml.JSONToYAML(b)
	return out, warnings, err
}
