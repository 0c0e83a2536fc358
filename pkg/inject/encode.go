package inject

import (
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
)

// fixedResources are the requirements of stagehand's init containers with
// their JSON, encoded once: encoding/json encodes a ResourceList through a
// reflected copy of every key and value, the bulk of a patch's allocations.
var fixedResources = []struct {
	req  *corev1.ResourceRequirements
	json json.RawMessage
}{
	{&installResources, mustMarshal(installResources)},
	{&fetchResources, mustMarshal(fetchResources)},
}

func mustMarshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // requirements built from valid quantities always marshal
	}
	return b
}

// encodedResources is a container whose resources are one of the fixed
// requirements, with their JSON in place of the struct.
type encodedResources struct {
	*corev1.Container
	// Resources shadows Container.Resources when marshalled: the same
	// requirements, encoded.
	Resources json.RawMessage `json:"resources,omitempty"`
}

// containerValue is the patch value of a container: the container, with its
// resources pre-encoded when they are fixed requirements.
func containerValue(c *corev1.Container) any {
	for _, f := range fixedResources {
		if sameRequirements(&c.Resources, f.req) {
			return encodedResources{Container: c, Resources: f.json}
		}
	}
	return c
}

func sameRequirements(a, b *corev1.ResourceRequirements) bool {
	return len(a.Claims) == 0 && len(b.Claims) == 0 && sameList(a.Limits, b.Limits) && sameList(a.Requests, b.Requests)
}

func sameList(a, b corev1.ResourceList) bool {
	if len(a) != len(b) {
		return false
	}
	for name, qa := range a {
		qb, ok := b[name]
		if !ok || qa.Cmp(qb) != 0 {
			return false
		}
	}
	return true
}
