// Package webhook serves the stagehand mutating admission webhook: the
// admission handler that runs package inject on each Pod, its metrics, and
// the server around it (TLS with certificate hot reload, health and
// readiness, metrics, graceful shutdown).
//
// The Handler reads each AdmissionReview's envelope with a token decoder
// (github.com/go-json-experiment/json/jsontext, review.go) and decodes its
// Pod once, by type, into what injection reads of it (inject.Input,
// decoding.go). A pod whose Input it answered before is answered from the
// Cache, keyed by the Input's canonical JSON (key.go); any other is
// injected. Allowed answers are written directly, the patch encoded once.
//
// What one request may cost is bounded (see docs/operations.md, "Limits and
// timeouts"): the body grows with the bytes that arrive (body.go), large
// requests share one memory budget (budget.go), a pod is decoded up to
// MaxDecodedBytes of Go values (decoding.go), the patch up to MaxPatchBytes
// (patch.go), and work stops at the request's deadline (deadline.go). The
// admission server (admission_server.go) has its own read, write and idle
// timeouts.
package webhook
