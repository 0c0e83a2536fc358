package webhook

import (
	"bytes"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/stagehand-k8s/stagehand/internal/admissiontest"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// collidingPairs are pods whose answers differ and whose keys were equal in
// an early hand-written fingerprint of what injection reads: a container
// name and an env var name shared one tag, and nothing ended an env var or
// a container, so a name read after a nameless env var could be either. A's container "main" comes
// after its env (legal JSON, which only a direct caller sends, the API
// server writes name first); B's container has no name and its env var is
// called "main". A is allowed; B names no container "main" and is denied.
var collidingPairs = map[string]struct{ a, b string }{
	"container name after a nameless env var": {
		a: `{"metadata":{"annotations":{"stagehand.io/containers":"main","stagehand.io/service-account-token":"true"}},` +
			`"spec":{"containers":[{"env":[{"value":"x"}],"name":"main"}]}}`,
		b: `{"metadata":{"annotations":{"stagehand.io/containers":"main","stagehand.io/service-account-token":"true"}},` +
			`"spec":{"containers":[{"env":[{"name":"main"}]}]}}`,
	},
	"the same with the agent, both allowed": {
		a: `{"metadata":{"annotations":{"stagehand.io/agent":"true"}},` +
			`"spec":{"containers":[{"command":["/run.sh"],"env":[{"value":"x"}],"name":"main"}]}}`,
		b: `{"metadata":{"annotations":{"stagehand.io/agent":"true"}},` +
			`"spec":{"containers":[{"command":["/run.sh"],"env":[{"name":"main"}]}]}}`,
	},
}

// TestCollidingPodsOverHTTP: a cached handler answers pod A, then pod B of
// each colliding pair; B must get its own answer, byte for byte the answer
// of a handler without cache, and the two keys must differ.
func TestCollidingPodsOverHTTP(t *testing.T) {
	injector := inject.New(inject.Options{Version: "test", AgentImage: "agent:test"})
	for name, pair := range collidingPairs {
		t.Run(name, func(t *testing.T) {
			a := reviewOf(t, "uid", "ns", admissionv1.Create, []byte(pair.a))
			b := reviewOf(t, "uid", "ns", admissionv1.Create, []byte(pair.b))
			cached := &Handler{Injector: injector, Cache: NewCache(8)}
			uncached := &Handler{Injector: injector}
			if got := admissiontest.Serve(cached, a); !bytes.Equal(got.Body.Bytes(), admissiontest.Serve(uncached, a).Body.Bytes()) {
				t.Fatalf("pod A: the cached handler answered differently from the uncached one:\n%s", got.Body)
			}
			want := admissiontest.Serve(uncached, b).Body.Bytes()
			if bytes.Equal(want, admissiontest.Serve(uncached, a).Body.Bytes()) {
				t.Fatal("A and B have one answer: the pair shows nothing")
			}
			if got := admissiontest.Serve(cached, b).Body.Bytes(); !bytes.Equal(got, want) {
				t.Errorf("pod B was answered with another pod's answer:\n%s\nits own answer is\n%s", got, want)
			}
			ka, kb := keyOf(t, a), keyOf(t, b)
			if bytes.Equal(ka, kb) {
				t.Errorf("A and B share the key %s", ka)
			}
		})
	}
}

// keyOf returns the cache key of the pod of a review.
func keyOf(t testing.TB, body []byte) []byte {
	t.Helper()
	rv, err := decodeReview(body)
	if err != nil {
		t.Fatal(err)
	}
	return keyOfPod(t, rv.object)
}

// keyOfPod returns the cache key of a pod's JSON.
func keyOfPod(t testing.TB, raw []byte) []byte {
	t.Helper()
	pod, err := inject.DecodeInput(raw)
	if err != nil {
		t.Fatal(err)
	}
	key, err := appendKey(nil, pod)
	if err != nil {
		t.Fatal(err)
	}
	return key
}
