package integration

import (
	"context"
	"encoding/json"
	"sync"

	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
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

// recorder wraps an admission handler and keeps every call it answered, so
// that tests can see exactly what the API server sent to a webhook. Tests use
// their own namespaces and read only the calls made in them.
type recorder struct {
	next admission.Handler

	mu    sync.Mutex
	calls []call
}

var _ admission.Handler = (*recorder)(nil)

func (r *recorder) Handle(ctx context.Context, req admission.Request) admission.Response {
	resp := r.next.Handle(ctx, req)
	c := call{
		Namespace: req.Namespace,
		Name:      req.Name,
		DryRun:    req.DryRun != nil && *req.DryRun,
		Allowed:   resp.Allowed,
		Patches:   patchOperations(resp),
	}
	if resp.Result != nil {
		c.Message = resp.Result.Message
	}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	return resp
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

// patchOperations counts the operations of a response's patch, whether the
// handler set the encoded patch or controller-runtime's operation list.
func patchOperations(resp admission.Response) int {
	if len(resp.Patch) == 0 {
		return len(resp.Patches)
	}
	var ops []json.RawMessage
	if err := json.Unmarshal(resp.Patch, &ops); err != nil {
		return -1
	}
	return len(ops)
}
