// Package webhook serves the stagehand mutating admission webhook: the
// admission handler that runs package inject on each Pod, its metrics, and
// the server around it (TLS with certificate hot reload, health and
// readiness, metrics, graceful shutdown).
//
// The Handler reads each AdmissionReview in one pass with a token decoder
// (github.com/go-json-experiment/json/jsontext), taking as it goes a
// fingerprint of the pod: the raw JSON of every member injection reads
// (podReader). A pod whose fingerprint it answered before is answered from
// the Cache; any other is decoded in a second pass, over those members only,
// and injected. Allowed answers are written directly, the patch encoded once.
//
// What one request may cost is bounded (see docs/operations.md, "Limits and
// timeouts"): the body grows with the bytes that arrive (body.go), large
// requests share one memory budget (budget.go), a pod is read up to
// MaxPodElements (limits.go), the patch up to MaxPatchBytes (patch.go), and
// work stops at the request's deadline (deadline.go). The admission server
// (admission_server.go) has its own read, write and idle timeouts.
package webhook
