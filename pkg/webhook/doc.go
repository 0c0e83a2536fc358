// Package webhook serves the stagehand mutating admission webhook: the
// admission handler that runs package inject on each Pod, its metrics, and
// the server around it (TLS with certificate hot reload, health and
// readiness, metrics, graceful shutdown).
package webhook
