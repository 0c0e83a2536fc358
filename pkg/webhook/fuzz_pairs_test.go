package webhook

import (
	"bytes"
	"encoding/json"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/stagehand-k8s/stagehand/internal/admissiontest"
	"github.com/stagehand-k8s/stagehand/internal/fuzzpod"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// FuzzCachePairs sends two pods in sequence, A then B, through one cached
// handler and through one without cache: the answers must be byte for byte
// the same. A is data if it is a pod's JSON, else the small pod
// fuzzpod.Shape builds from it; B is A changed by edits (fuzzpod.Edit), as
// the next pod of a job is a little different from the last, perhaps only in
// where a value is. Both are written with their members in the order that
// order picks (fuzzpod.Ordered): a container's name after its env, an env
// var's value before its name, as only a direct caller sends them. Besides,
// member order never changes an answer, pods with one key have one answer,
// cached or not, and every key decodes back into its pod (checkKey).
func FuzzCachePairs(f *testing.F) {
	for _, name := range []string{"mr3-worker-agent", "spark-executor", "clash"} {
		f.Add(goldenPod(f, name), []byte{}, []byte{1, 0, 3})
	}
	// The agent, and a container "main" with a command and a nameless env
	// var; B deletes the env var's value.
	f.Add([]byte{1, 1, 0, 1 | 2<<2, 5, 0}, []byte{0, 7, 0}, []byte{})
	// A token for the containers named "main", B without the annotation.
	f.Add([]byte{2, 1, 0, 2 << 2, 5, 0}, []byte{0, 1, 0}, []byte{3})
	injector := inject.New(inject.Options{Version: "fuzz", AgentImage: "agent:fuzz", Entrypoints: fuzzpod.Entrypoints})
	uncached := &Handler{Injector: injector}
	f.Fuzz(func(t *testing.T, data, edits, order []byte) {
		a := podOf(data)
		cached := &Handler{Injector: injector, Cache: NewCache(2)}
		var keys, answers [2][]byte
		for i, pod := range [2]any{a, fuzzpod.Edit(a, edits)} {
			ordered, sorted := orderedJSON(t, pod, order), orderedJSON(t, pod, nil)
			body := reviewOf(t, "u", "ns", admissionv1.Create, ordered)
			answers[i] = admissiontest.Serve(uncached, body).Body.Bytes()
			if got := admissiontest.Serve(cached, body).Body.Bytes(); !bytes.Equal(got, answers[i]) {
				t.Fatalf("pod %c: the cached handler answered\n%s\nthe uncached one\n%s\nto\n%s", "AB"[i], got, answers[i], ordered)
			}
			// A pod that decodes has one answer in any member order; which
			// error one that does not meets first depends on the order.
			input, err := inject.DecodeInput(ordered)
			if err != nil {
				continue
			}
			keys[i] = checkKey(t, injector, input)
			if got := admissiontest.Serve(uncached, reviewOf(t, "u", "ns", admissionv1.Create, sorted)).Body.Bytes(); !bytes.Equal(got, answers[i]) {
				t.Fatalf("pod %c: its members in another order changed the answer\n%s\nto\n%s\nin\n%s", "AB"[i], answers[i], got, sorted)
			}
		}
		if keys[0] != nil && bytes.Equal(keys[0], keys[1]) && !bytes.Equal(answers[0], answers[1]) {
			t.Fatalf("pods answered differently share the key %s", keys[0])
		}
	})
}

// podOf is data as a pod: itself if it is a JSON object, else the pod
// fuzzpod.Shape builds from it.
func podOf(data []byte) any {
	var pod any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := dec.Decode(&pod)
	if _, isObject := pod.(map[string]any); err == nil && isObject {
		return pod
	}
	return fuzzpod.Shape(data)
}

func orderedJSON(t *testing.T, pod any, order []byte) []byte {
	t.Helper()
	raw, err := fuzzpod.Ordered(pod, order)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
