package webhook

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// checkKey checks what key.go argues of the key of a decoded pod: it
// decodes back into a pod equal to it up to equality.Semantic, whose key is
// the same and whose answer is the same. It returns the key.
func checkKey(t testing.TB, injector *inject.Injector, pod *inject.Input) []byte {
	t.Helper()
	key, err := appendKey(nil, pod)
	if err != nil {
		t.Fatalf("a decoded pod has no key: %v", err)
	}
	back, err := inject.DecodeInput(key)
	if err != nil {
		t.Fatalf("the key does not decode: %v\n%s", err, key)
	}
	if !equality.Semantic.DeepEqual(pod, back) {
		t.Fatalf("the key decodes into another pod:\n%+v\nnot\n%+v\nkey %s", back, pod, key)
	}
	if again, err := appendKey(nil, back); err != nil || !bytes.Equal(again, key) {
		t.Fatalf("the pod decoded from the key has another key (%v):\n%s\nnot\n%s", err, again, key)
	}
	if got, want := injected(injector, back), injected(injector, pod); got != want {
		t.Fatalf("the pod decoded from the key is answered\n%s\nnot\n%s\nkey %s", got, want, key)
	}
	return key
}

// injected is what injection answers to pod, as one comparable string.
func injected(injector *inject.Injector, pod *inject.Input) string {
	res, err := injector.Inject(pod)
	patch, _ := json.Marshal(res.Patch)
	return strings.Join([]string{string(res.Outcome), string(patch), strings.Join(res.Warnings, "\n"), errorText(err)}, "\n--\n")
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// goldenPods are the JSON of the inputs of the golden cases that are one
// Pod, by case.
func goldenPods(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("../../testdata/inject/*.in.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	pods := map[string][]byte{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var head struct{ Kind string }
		raw, err := yaml.YAMLToJSON(data)
		if err != nil || json.Unmarshal(raw, &head) != nil || head.Kind != "Pod" {
			continue
		}
		pods[strings.TrimSuffix(filepath.Base(file), ".in.yaml")] = raw
	}
	return pods
}

// TestKeyDecodesBack: the key of every golden pod, of the colliding pairs
// and of pods that differ where an encoding could lose a difference decodes
// back into its pod and its answer (checkKey); pods that injection tells
// apart have different keys, and those it cannot tell apart one key.
func TestKeyDecodesBack(t *testing.T) {
	injector := inject.New(inject.Options{Version: "test", AgentImage: "agent:test"})
	pods := goldenPods(t)
	for name, pair := range collidingPairs {
		pods[name+" A"], pods[name+" B"] = []byte(pair.a), []byte(pair.b)
	}
	const containers = `"containers":[{"name":"main","command":["/run.sh"]}]`
	const agent = `{"metadata":{"annotations":{"stagehand.io/agent":"true"}},"spec":{` + containers
	variants := map[string]struct {
		a, b string
		same bool
	}{
		"no annotations, or none of stagehand's": {
			a: `{"spec":{` + containers + `}}`, b: `{"metadata":{"annotations":{"mr3/dag":"1"}},"spec":{` + containers + `}}`},
		"emptyDir: {}, or no source": {
			a: agent + `,"volumes":[{"name":"v","emptyDir":{}}]}}`, b: agent + `,"volumes":[{"name":"v"}]}}`},
		"no volumes, or none": {a: agent + `}}`, b: agent + `,"volumes":[]}}`},
		"a quantity in two forms": {
			a: agent + `,"initContainers":[{"name":"i","resources":{"limits":{"cpu":"1000m"}}}]}}`,
			b: agent + `,"initContainers":[{"name":"i","resources":{"limits":{"cpu":"1"}}}]}}`, same: true},
		"an omitempty list, empty or absent": {
			a: agent + `,"initContainers":[{"name":"i","args":[]}]}}`, b: agent + `,"initContainers":[{"name":"i"}]}}`, same: true},
		"annotations in another order, escaped": {
			a:    `{"metadata":{"annotations":{"stagehand.io/agent":"true","stagehand.io/task-timeout":"1h"}},"spec":{` + containers + `}}`,
			b:    `{"metadata":{"annotations":{"stagehand.io/task-timeout":"1h","stagehand.io/\u0061gent":"true"}},"spec":{` + containers + `}}`,
			same: true},
	}
	for name, v := range variants {
		pods[name+" A"], pods[name+" B"] = []byte(v.a), []byte(v.b)
	}
	keys := map[string][]byte{}
	for name, raw := range pods {
		pod, err := inject.DecodeInput(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		keys[name] = checkKey(t, injector, pod)
	}
	for name, v := range variants {
		if same := bytes.Equal(keys[name+" A"], keys[name+" B"]); same != v.same {
			t.Errorf("%s: one key %v, want %v:\n%s\n%s", name, same, v.same, keys[name+" A"], keys[name+" B"])
		}
	}
	if !bytes.Contains(keys["emptyDir: {}, or no source A"], []byte(`"emptyDir":{}`)) {
		t.Errorf("the key leaves out emptyDir: {}: %s", keys["emptyDir: {}, or no source A"])
	}
}

// TestKeyOnlyWithCache: a handler without a cache never encodes a key.
func TestKeyOnlyWithCache(t *testing.T) {
	pod, err := inject.DecodeInput(goldenPod(t, "mr3-worker-agent"))
	if err != nil {
		t.Fatal(err)
	}
	s := &scratch{}
	if key := (&Handler{}).key(s, pod); key != nil || s.key != nil {
		t.Errorf("the handler without a cache encoded the key %s", s.key)
	}
	if key := (&Handler{Cache: NewCache(1)}).key(s, pod); !bytes.Equal(key, keyOfPod(t, goldenPod(t, "mr3-worker-agent"))) {
		t.Errorf("the handler with a cache has the key %s", key)
	}
}
