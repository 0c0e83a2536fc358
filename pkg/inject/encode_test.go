package inject

import (
	"encoding/json"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestContainerValue: a container marshals to the same JSON object whether
// its resources are encoded by encoding/json or pre-encoded (members may
// come in another order), and only the fixed requirements are pre-encoded.
func TestContainerValue(t *testing.T) {
	mounts := []corev1.VolumeMount{{Name: AgentVolume, MountPath: "/stagehand/bin"}}
	other := resources("1", "1Gi", "2", "2Gi")
	tests := map[string]struct {
		res     corev1.ResourceRequirements
		encoded bool
	}{
		"install":         {installResources, true},
		"fetch":           {fetchResources, true},
		"other":           {other, false},
		"none":            {corev1.ResourceRequirements{}, false},
		"install, copied": {resources("10m", "16Mi", "100m", "64Mi"), true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := initContainer("c", "agent:test", []string{"/agent"}, nil, mounts, tc.res)
			v := containerValue(&c)
			if _, encoded := v.(encodedResources); encoded != tc.encoded {
				t.Errorf("pre-encoded: %v, want %v", encoded, tc.encoded)
			}
			got, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(&c)
			if err != nil {
				t.Fatal(err)
			}
			var gotObj, wantObj map[string]any
			if err := json.Unmarshal(got, &gotObj); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(want, &wantObj); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotObj, wantObj) {
				t.Errorf("marshalled\n%s\nwant\n%s", got, want)
			}
		})
	}
}
