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
package webhook
