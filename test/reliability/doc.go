// Package reliability runs the real `webhook serve` binary as a process on
// 127.0.0.1 and checks what the API server depends on when the webhook is
// on the critical path of every opted-in pod (failurePolicy: Fail):
//
//   - load: many concurrent keep-alive TLS clients, every admitted golden
//     case of testdata/inject, every response compared with the in-process
//     handler's (UID, allowed, warnings, patch decoded and compared);
//   - certificate rotation under load, as a file rewrite and as the
//     kubelet's Secret-volume symlink swap: no failed admission, and the new
//     certificate served within a bound;
//   - shutdown: /readyz fails at once on SIGTERM while admission keeps
//     working for STAGEHAND_SHUTDOWN_DELAY, exit 0, and a rolling restart of
//     two servers behind a readiness-aware balancer loses no request;
//   - TLS: no TLS 1.0 or 1.1, no HTTP/2, and the TLS 1.2 cipher suites of
//     docs/tls.md, probed from the running server;
//   - no secret value in logs (at trace level), metric labels or patches.
//
// TestMain builds the binary once (CGO_ENABLED=0). Tests skip with -short.
// By default each test runs a short form that keeps the package near a
// minute; STAGEHAND_SOAK=1 runs the long forms (make soak). Tests print
// their figures as `RELIABILITY <test> key=value ...` log lines.
package reliability
