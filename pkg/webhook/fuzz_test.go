package webhook

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	sigsjson "sigs.k8s.io/json"

	"github.com/stagehand-k8s/stagehand/internal/admissiontest"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// FuzzHandle sends arbitrary request bodies through the admission webhook
// as the API server would. It must never panic; every answer is an
// AdmissionReview or an HTTP error; an allowed patch must apply to the
// object it was computed from and leave a pod whose names and mounts are
// still unique. A handler with a cache, kept across inputs, must answer
// every input exactly as one without, and every key must decode back into
// its pod (checkKey). FuzzCachePairs sends pairs of pods, members in any
// order; FuzzAgainstAPITypes compares the answers with those of the API
// types.
func FuzzHandle(f *testing.F) {
	for _, name := range []string{"mr3-worker", "mr3-worker-agent", "spark-executor", "clash", "unknown-fields"} {
		body := reviewOf(f, "u", "ns", admissionv1.Create, goldenPod(f, name))
		f.Add(body)
	}
	const envelope = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",`
	f.Add([]byte(envelope + `"request":{"uid":"u","operation":"CREATE","object":{"metadata":{"annotations":{"stagehand.io/agent":"true"}},"spec":{"containers":[{"name":"a"}]}}}}`))
	f.Add([]byte(envelope + `"request":{"object":{"spec":{"containers":[{"env":[{"value":"v","name":"STAGEHAND_POD_NAME"}],"n\u0061me":"a"}]}},"operation":"UPDATE"}}`))
	f.Add([]byte(envelope + `"request":{"object":"not an object"}}`))
	injector := inject.New(inject.Options{Version: "fuzz", AgentImage: "agent:fuzz"})
	wh := &Handler{Injector: injector}
	cached := &Handler{Injector: injector, Cache: NewCache(256)}
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := admissiontest.Serve(wh, body)
		if again := admissiontest.Serve(cached, body); !bytes.Equal(again.Body.Bytes(), rec.Body.Bytes()) {
			t.Fatalf("the cached handler answered\n%s\nthe uncached one\n%s", again.Body, rec.Body)
		}
		if rv, err := decodeReview(body); err == nil && rv.object != nil {
			if input, err := inject.DecodeInput(rv.object); err == nil {
				checkKey(t, injector, input)
			}
		}
		var review admissionv1.AdmissionReview
		if err := json.Unmarshal(rec.Body.Bytes(), &review); err != nil || review.Response == nil {
			if rec.Code == http.StatusOK && err != nil {
				t.Fatalf("HTTP 200 with a body that is not an AdmissionReview: %q", rec.Body.String())
			}
			return
		}
		resp := review.Response
		if !resp.Allowed || len(resp.Patch) == 0 {
			return
		}
		// Only what the webhook reads of the review: the API types may not
		// decode the rest (FuzzAgainstAPITypes compares with them).
		var in struct {
			Request *struct {
				Object json.RawMessage `json:"object"`
			} `json:"request"`
		}
		if err := json.Unmarshal(body, &in); err != nil || in.Request == nil {
			t.Fatalf("patched a request that does not decode: %v", err)
		}
		patch, err := jsonpatch.DecodePatch(resp.Patch)
		if err != nil {
			t.Fatalf("undecodable patch %s: %v", resp.Patch, err)
		}
		out, err := patch.Apply(in.Request.Object)
		if err != nil {
			t.Fatalf("patch %s does not apply to its object: %v", resp.Patch, err)
		}
		// Injection must not make a valid pod invalid; a pod that was
		// invalid already (or not a pod at all, in fields injection does
		// not read) is the API server's to reject.
		// Decoded case-sensitively, as the API server decodes.
		var before, pod corev1.Pod
		if sigsjson.UnmarshalCaseSensitivePreserveInts(in.Request.Object, &before) != nil || uniqueNames(&before) != nil {
			return
		}
		if err := sigsjson.UnmarshalCaseSensitivePreserveInts(out, &pod); err != nil {
			t.Fatalf("patching a pod made it undecodable: %v\n%s", err, out)
		}
		if err := uniqueNames(&pod); err != nil {
			t.Fatalf("injection made the pod invalid: %v\n%s", err, out)
		}
	})
}

// uniqueNames checks what injection could break: unique volume and
// container names, and mount paths unique per container.
func uniqueNames(p *corev1.Pod) error {
	seen := map[string]bool{}
	for _, v := range p.Spec.Volumes {
		if seen["v/"+v.Name] {
			return &duplicateError{"volume", v.Name}
		}
		seen["v/"+v.Name] = true
	}
	for _, c := range append(append([]corev1.Container{}, p.Spec.InitContainers...), p.Spec.Containers...) {
		if seen["c/"+c.Name] {
			return &duplicateError{"container", c.Name}
		}
		seen["c/"+c.Name] = true
		paths := map[string]bool{}
		for _, m := range c.VolumeMounts {
			if paths[m.MountPath] {
				return &duplicateError{"mount path in " + c.Name, m.MountPath}
			}
			paths[m.MountPath] = true
		}
	}
	return nil
}

type duplicateError struct{ what, name string }

func (e *duplicateError) Error() string { return "duplicate " + e.what + " " + e.name }
