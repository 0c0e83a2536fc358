package offline

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// templatePointers maps each kind that carries a pod to the JSON pointer of
// that pod (or pod template) inside the object.
var templatePointers = map[schema.GroupKind]string{
	{Kind: "Pod"}:                        "",
	{Kind: "ReplicationController"}:      "/spec/template",
	{Group: "apps", Kind: "Deployment"}:  "/spec/template",
	{Group: "apps", Kind: "StatefulSet"}: "/spec/template",
	{Group: "apps", Kind: "DaemonSet"}:   "/spec/template",
	{Group: "apps", Kind: "ReplicaSet"}:  "/spec/template",
	{Group: "batch", Kind: "Job"}:        "/spec/template",
	{Group: "batch", Kind: "CronJob"}:    "/spec/jobTemplate/spec/template",
}

// object is the part of any manifest needed to route it.
type object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
		// Annotations are read only to warn about stagehand.io/ keys put
		// on a workload's own metadata rather than its pod template.
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
}

// misplacedKeys warns when a workload carries stagehand.io/ keys on its own
// metadata, where they do nothing: the pods a controller creates get the
// template's annotations, not the workload's.
func (o *object) misplacedKeys(pointer string) []string {
	if pointer == "" {
		return nil
	}
	var keys []string
	for k := range o.Metadata.Annotations {
		if strings.HasPrefix(k, annotations.Prefix) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.Sort(keys)
	return []string{fmt.Sprintf("%s is on the %s's own metadata, where stagehand never reads it: put it on the pod template, %s.metadata.annotations",
		strings.Join(keys, ", "), o.Kind, strings.ReplaceAll(strings.TrimPrefix(pointer, "/"), "/", "."))}
}

func (o *object) groupKind() (schema.GroupKind, error) {
	gv, err := schema.ParseGroupVersion(o.APIVersion)
	if err != nil {
		return schema.GroupKind{}, fmt.Errorf("apiVersion %q: %w", o.APIVersion, err)
	}
	return schema.GroupKind{Group: gv.Group, Kind: o.Kind}, nil
}

func (o *object) String() string {
	if o.Metadata.Name == "" {
		return o.Kind
	}
	return fmt.Sprintf("%s %q", o.Kind, o.Metadata.Name)
}

// lookup walks a JSON pointer made of plain object keys.
func lookup(doc map[string]any, pointer string) (map[string]any, bool) {
	cur := doc
	for _, key := range splitPointer(pointer) {
		next, ok := cur[key].(map[string]any)
		if !ok {
			return nil, false
		}
		cur = next
	}
	return cur, true
}

func splitPointer(pointer string) []string {
	var keys []string
	start := 1
	for i := 1; i <= len(pointer); i++ {
		if i == len(pointer) || pointer[i] == '/' {
			keys = append(keys, pointer[start:i])
			start = i + 1
		}
	}
	return keys
}
