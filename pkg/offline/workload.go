package offline

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"
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
	} `json:"metadata"`
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
