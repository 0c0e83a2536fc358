package podrunner

import (
	"strings"
	"testing"
)

func TestLoadPod(t *testing.T) {
	tests := []struct {
		name, yaml          string
		wantName, wantNS    string
		wantContainer, want string // want: error substring
	}{
		{name: "pod", yaml: `
apiVersion: v1
kind: Pod
metadata: {name: mr3worker-1, namespace: hivemr3}
spec:
  containers: [{name: mr3-worker, image: mr3project/hive:4.0.0}]
`, wantName: "mr3worker-1", wantNS: "hivemr3", wantContainer: "mr3-worker"},
		{name: "first pod after other kinds", yaml: `
apiVersion: v1
kind: ConfigMap
metadata: {name: conf}
---
apiVersion: v1
kind: Pod
metadata: {name: first}
spec: {containers: [{name: a, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: second}
spec: {containers: [{name: b, image: x}]}
`, wantName: "first", wantContainer: "a"},
		{name: "deployment template", yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: spark, namespace: jobs}
spec:
  template:
    metadata: {labels: {app: spark}}
    spec: {containers: [{name: executor, image: spark:3.5}]}
`, wantName: "spark", wantNS: "jobs", wantContainer: "executor"},
		{name: "cronjob template", yaml: `
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        spec: {containers: [{name: job, image: x}]}
`, wantName: "nightly", wantContainer: "job"},
		{name: "no pod", yaml: "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n", want: "no Pod or pod template"},
		{name: "bad yaml", yaml: "kind: Pod\nspec: [", want: "document 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod, err := LoadPod([]byte(tt.yaml))
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if pod.Name != tt.wantName || pod.Namespace != tt.wantNS || pod.Spec.Containers[0].Name != tt.wantContainer {
				t.Errorf("got %s/%s container %s", pod.Namespace, pod.Name, pod.Spec.Containers[0].Name)
			}
		})
	}
}

func TestLastLines(t *testing.T) {
	tests := []struct {
		in     string
		n, max int
		want   string
	}{
		{"a\nb\nc\n", 2, 100, "b\nc"},
		{"a\nb\nc", 5, 100, "a\nb\nc"},
		{"abcdef", 5, 3, "def"},
	}
	for _, tt := range tests {
		if got := lastLines(tt.in, tt.n, tt.max); got != tt.want {
			t.Errorf("lastLines(%q, %d, %d) = %q, want %q", tt.in, tt.n, tt.max, got, tt.want)
		}
	}
}
