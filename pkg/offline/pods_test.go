package offline

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestPods: every pod and pod template of a manifest is found, in order,
// inside Lists too, with where it sits and the keys misplaced on its
// workload's own metadata.
func TestPods(t *testing.T) {
	manifest := `# a comment
apiVersion: v1
kind: ConfigMap
metadata: {name: conf}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations: {stagehand.io/service-account-token: "true"}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        metadata: {annotations: {stagehand.io/agent: "true"}}
        spec: {containers: [{name: job, image: busybox}]}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: worker}
  spec: {containers: [{name: w, image: busybox}]}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: empty}
`
	pods, err := Pods(strings.NewReader(manifest))
	if err != nil {
		t.Fatal(err)
	}
	type found struct{ Object, Namespace, Template, Key string }
	var got []found
	for _, p := range pods {
		var pod struct {
			Metadata struct {
				Labels      map[string]string `json:"labels"`
				Annotations map[string]string `json:"annotations"`
				Name        string            `json:"name"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(p.JSON, &pod); err != nil {
			t.Fatalf("%s: %v", p.Object, err)
		}
		key := pod.Metadata.Labels["app"] + pod.Metadata.Annotations["stagehand.io/agent"] + pod.Metadata.Name
		got = append(got, found{p.Object, p.Namespace, p.Template, key})
	}
	want := []found{
		{`Deployment "web"`, "shop", "spec.template", "web"},
		{`CronJob "nightly"`, "", "spec.jobTemplate.spec.template", "true"},
		{`items[0] Pod "worker"`, "", "", "worker"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pods\n%+v\nwant\n%+v", got, want)
	}
	if len(pods) == 3 && (len(pods[0].Misplaced) != 1 || !strings.Contains(pods[0].Misplaced[0], "stagehand.io/service-account-token is on the Deployment's own metadata") ||
		pods[1].Misplaced != nil || pods[2].Misplaced != nil) {
		t.Errorf("misplaced keys: %q, %q, %q", pods[0].Misplaced, pods[1].Misplaced, pods[2].Misplaced)
	}
	if _, err := Pods(strings.NewReader("apiVersion: a/b/c\nkind: Pod\n---\nkind: Pod\napiVersion: v1\nmetadata: {name: ok}\n")); err == nil || !strings.Contains(err.Error(), "document 1") {
		t.Errorf("a bad apiVersion: %v, want an error naming document 1", err)
	}
}
