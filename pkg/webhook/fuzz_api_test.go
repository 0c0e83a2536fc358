package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	admissionv1 "k8s.io/api/admission/v1"
	admissionv1beta1 "k8s.io/api/admission/v1beta1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	sigsjson "sigs.k8s.io/json"

	"github.com/stagehand-k8s/stagehand/internal/admissiontest"
	"github.com/stagehand-k8s/stagehand/internal/fuzzpod"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// FuzzAgainstAPITypes decodes each review as the API server and
// controller-runtime do, into the k8s.io/api types (sigs.k8s.io/json:
// names case-sensitive, integers kept), injects what inject.InputOf reads of
// its pod, and requires the webhook, without and with a cache kept across
// inputs, to give the same answer: allowed or the same denial, the same
// patch, the same warnings. The reviews are data itself, and the review of
// a pod: data if it is a pod's JSON, else the small pod fuzzpod.Shape builds
// from it, changed by edits (fuzzpod.Edit) and written with its members in
// an order edits picks. The webhook is sent each review as the API server
// writes it (its pod encoded again from the Go value), that pod with its
// members in another order, and the review as it came when it is one the
// API server could send: valid UTF-8, no name twice in an object, and a
// pod that differs from the one encoded again only in member order,
// whitespace and string escapes. A review the API types cannot decode is
// one the API server never sends: it is not compared (FuzzHandle sends
// those).
func FuzzAgainstAPITypes(f *testing.F) {
	for _, pod := range goldenPods(f) {
		f.Add(pod, []byte{})
	}
	f.Add(reviewOf(f, "u", "ns", admissionv1.Create, goldenPod(f, "mr3-worker-agent")), []byte{1, 0, 3})
	f.Add(reviewOf(f, "u", "ns", admissionv1.Update, goldenPod(f, "spark-executor")), []byte{})
	f.Add(reviewOf(f, "u", "ns", admissionv1.Delete, nil), []byte{})
	for _, pair := range collidingPairs {
		f.Add([]byte(pair.a), []byte{})
		f.Add([]byte(pair.b), []byte{})
	}
	// Seeds of FuzzCachePairs: small pods built from bytes, and edits.
	f.Add([]byte{1, 1, 0, 1 | 2<<2, 5, 0}, []byte{0, 7, 0})
	f.Add([]byte{2, 1, 0, 2 << 2, 5, 0}, []byte{0, 1, 0})
	injector := inject.New(inject.Options{Version: "fuzz", AgentImage: "agent:fuzz", Entrypoints: fuzzpod.Entrypoints})
	handlers := map[string]*Handler{"uncached": {Injector: injector}, "cached": {Injector: injector, Cache: NewCache(256)}}
	f.Fuzz(func(t *testing.T, data, edits []byte) {
		pod, err := fuzzpod.Ordered(fuzzpod.Edit(podOf(data), edits), edits)
		if err != nil {
			t.Fatal(err)
		}
		for _, review := range [][]byte{data, reviewOf(t, "u", "ns", admissionv1.Create, pod)} {
			want, bodies := expectedAnswer(t, injector, review)
			for what, b := range bodies {
				for name, h := range handlers {
					if got := answered(t, h, b); !want.same(got) {
						t.Fatalf("the %s webhook answered %s\n%+v\nthe API types\n%+v\nto\n%s", name, what, got, want, b)
					}
				}
			}
		}
	})
}

// verdict is an answer as the comparison sees it.
type verdict struct {
	allowed bool
	code    int32
	// message is a denial's (code 422).
	message  string
	patch    any
	warnings []string
}

func (v verdict) same(o verdict) bool {
	if v.allowed != o.allowed || v.code != o.code {
		return false
	}
	if !v.allowed && v.code != http.StatusUnprocessableEntity {
		return true // an error: its message is the decoder's own
	}
	return v.message == o.message && reflect.DeepEqual(v.patch, o.patch) && slices.Equal(v.warnings, o.warnings)
}

// expectedAnswer is the answer of the API types to body, and the bodies to
// compare it with; none when the API types cannot decode it.
func expectedAnswer(t *testing.T, injector *inject.Injector, body []byte) (verdict, map[string][]byte) {
	var rv admissionv1.AdmissionReview
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(body, &rv); err != nil {
		return verdict{}, nil
	}
	bodies := map[string][]byte{}
	asSent := jsontext.Value(body).IsValid() // UTF-8, no name twice
	req := rv.Request
	switch {
	case rv.Kind != "AdmissionReview" || (rv.APIVersion != admissionv1.SchemeGroupVersion.String() && rv.APIVersion != admissionv1beta1.SchemeGroupVersion.String()),
		req == nil:
		if asSent {
			bodies["as sent"] = body
		}
		return verdict{code: http.StatusBadRequest}, bodies
	case req.Operation != admissionv1.Create && req.Operation != admissionv1.Update:
		bodies["as the API server writes it"] = reviewWith(t, &rv, nil)
		if asSent {
			bodies["as sent"] = body
		}
		return verdict{allowed: true}, bodies
	case req.Object.Raw == nil:
		bodies["as the API server writes it"] = reviewWith(t, &rv, nil)
		return verdict{code: http.StatusBadRequest}, bodies
	}
	var pod corev1.Pod
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(req.Object.Raw, &pod); err != nil {
		return verdict{}, nil
	}
	encoded, err := json.Marshal(&pod)
	if err != nil {
		t.Fatal(err)
	}
	bodies["as the API server writes it"] = reviewWith(t, &rv, encoded)
	var tree any
	if err := json.Unmarshal(encoded, &tree); err == nil {
		if ordered, err := fuzzpod.Ordered(tree, body[:min(len(body), 16)]); err == nil {
			bodies["its members in another order"] = reviewWith(t, &rv, ordered)
		}
	}
	if asSent && sameJSON(req.Object.Raw, encoded) {
		bodies["as sent"] = body
	}
	input, err := inject.InputOf(&pod)
	if err != nil {
		t.Fatalf("inject.InputOf: %v\n%s", err, encoded)
	}
	res, err := injector.Inject(input)
	var denied *inject.Denied
	switch {
	case errors.As(err, &denied):
		return verdict{code: http.StatusUnprocessableEntity, message: denied.Error(), warnings: res.Warnings}, bodies
	case err != nil:
		return verdict{code: http.StatusInternalServerError}, bodies
	}
	want := verdict{allowed: true, warnings: res.Warnings}
	if len(res.Patch) > 0 {
		patch, err := json.Marshal(res.Patch)
		if err != nil || json.Unmarshal(patch, &want.patch) != nil {
			t.Fatalf("the patch does not encode: %v", err)
		}
		if len(patch) > MaxPatchBytes {
			return verdict{}, nil // the webhook's own bound: TestAdmissionSizeLimits
		}
	}
	return want, bodies
}

// reviewWith is the review rv with object, as the API server writes it.
func reviewWith(t *testing.T, rv *admissionv1.AdmissionReview, object []byte) []byte {
	req := *rv.Request
	req.Object, req.OldObject, req.Options = runtime.RawExtension{Raw: object}, runtime.RawExtension{}, runtime.RawExtension{}
	out, err := json.Marshal(admissionv1.AdmissionReview{TypeMeta: rv.TypeMeta, Request: &req})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameJSON tells whether a and b are one JSON value, up to member order,
// whitespace and string escapes.
func sameJSON(a, b []byte) bool {
	var va, vb any
	da, db := json.NewDecoder(bytes.NewReader(a)), json.NewDecoder(bytes.NewReader(b))
	da.UseNumber()
	db.UseNumber()
	return da.Decode(&va) == nil && db.Decode(&vb) == nil && reflect.DeepEqual(va, vb)
}

// answered is what h answers to body.
func answered(t *testing.T, h *Handler, body []byte) verdict {
	rec := admissiontest.Serve(h, body)
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); rec.Code != http.StatusOK || err != nil || out.Response == nil {
		t.Fatalf("HTTP %d, not an AdmissionReview (%v): %.300s", rec.Code, err, rec.Body)
	}
	resp := out.Response
	v := verdict{allowed: resp.Allowed, warnings: resp.Warnings}
	if resp.Result != nil {
		v.code, v.message = resp.Result.Code, resp.Result.Message
	}
	if len(resp.Patch) > 0 && json.Unmarshal(resp.Patch, &v.patch) != nil {
		t.Fatalf("the patch is not JSON: %s", resp.Patch)
	}
	return v
}
