package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"

	admissionv1 "k8s.io/api/admission/v1"
)

// call is one admission request that a webhook handler answered.
type call struct {
	Namespace string
	Name      string
	DryRun    bool
	Allowed   bool
	// Patches is the number of JSON patch operations in the answer.
	Patches int
	Message string
}

// recorder wraps a webhook and keeps every call it answered, so that tests
// can see exactly what the API server sent to a webhook. Tests use their own
// namespaces and read only the calls made in them.
type recorder struct {
	next http.Handler
	// down lists namespaces for which the webhook fails every call, as one
	// that is not running: the API server applies the failure policy.
	down sync.Map

	mu    sync.Mutex
	calls []call
}

var _ http.Handler = (*recorder)(nil)

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var in, out admissionv1.AdmissionReview
	if json.Unmarshal(body, &in) == nil && in.Request != nil {
		if _, down := r.down.Load(in.Request.Namespace); down {
			http.Error(w, "the webhook is down", http.StatusServiceUnavailable)
			return
		}
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	r.next.ServeHTTP(rec, req)
	if in.Request != nil && json.Unmarshal(rec.Body.Bytes(), &out) == nil && out.Response != nil {
		c := call{
			Namespace: in.Request.Namespace,
			Name:      in.Request.Name,
			DryRun:    in.Request.DryRun != nil && *in.Request.DryRun,
			Allowed:   out.Response.Allowed,
			Patches:   patchOperations(out.Response.Patch),
		}
		if out.Response.Result != nil {
			c.Message = out.Response.Result.Message
		}
		r.mu.Lock()
		r.calls = append(r.calls, c)
		r.mu.Unlock()
	}
	maps.Copy(w.Header(), rec.Header())
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// takeDown makes the webhook fail the calls for namespace until the test
// ends.
func (r *recorder) takeDown(t interface{ Cleanup(func()) }, namespace string) {
	r.down.Store(namespace, true)
	t.Cleanup(func() { r.down.Delete(namespace) })
}

// in returns the calls made for pods in one namespace, in order.
func (r *recorder) in(namespace string) []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []call
	for _, c := range r.calls {
		if c.Namespace == namespace {
			out = append(out, c)
		}
	}
	return out
}

// of returns the calls made for one pod, in order.
func (r *recorder) of(namespace, name string) []call {
	var out []call
	for _, c := range r.in(namespace) {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// patchOperations counts the operations of an encoded patch.
func patchOperations(patch []byte) int {
	if len(patch) == 0 {
		return 0
	}
	var ops []json.RawMessage
	if err := json.Unmarshal(patch, &ops); err != nil {
		return -1
	}
	return len(ops)
}
