package offline

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

func testInjector() *Injector {
	return &Injector{Injector: inject.New(inject.Options{Version: "test", AgentImage: "agent:test"})}
}

// TestList: the items of a v1 List (`kubectl get -o yaml`) are injected
// each as a document of its own; a List with nothing to inject comes back
// as written; a denied item is named by its index.
func TestList(t *testing.T) {
	list := `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: conf}
- apiVersion: v1
  kind: Pod
  metadata:
    name: worker
    annotations: {stagehand.io/service-account-token: "true"}
  spec:
    containers: [{name: w, image: busybox, command: [sh]}]
`
	var out bytes.Buffer
	if _, err := testInjector().Inject(strings.NewReader(list), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kind: List", "name: conf", "name: stagehand-token", "stagehand.io/status"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the injected List lacks %q:\n%s", want, out.String())
		}
	}
	plain := "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: conf}}\n"
	out.Reset()
	if _, err := testInjector().Inject(strings.NewReader(plain), &out); err != nil || out.String() != plain {
		t.Errorf("a List with nothing to inject came back as %q (%v), want it as written", out.String(), err)
	}
	denied := strings.Replace(list, `stagehand.io/service-account-token: "true"`, `stagehand.io/service-account-token: "yes"`, 1)
	if _, err := testInjector().Inject(strings.NewReader(denied), &out); err == nil || !strings.Contains(err.Error(), `items[1] Pod "worker"`) {
		t.Errorf("a denied item: %v, want an error naming items[1]", err)
	}
}

// TestMisplacedKeys: stagehand.io/ keys on a workload's own metadata, which
// its pods never carry, get a warning pointing at the pod template.
func TestMisplacedKeys(t *testing.T) {
	deployment := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hs2
  annotations: {stagehand.io/agent: "true", example.com/x: "y"}
spec:
  template:
    metadata: {labels: {app: hs2}}
    spec:
      containers: [{name: hs2, image: hive, command: [run]}]
`
	warnings, err := testInjector().Inject(strings.NewReader(deployment), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	want := `Deployment "hs2": stagehand.io/agent is on the Deployment's own metadata, where stagehand never reads it: put it on the pod template, spec.template.metadata.annotations`
	if len(warnings) != 1 || warnings[0] != want {
		t.Errorf("warnings %q, want [%q]", warnings, want)
	}
}
